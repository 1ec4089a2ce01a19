// The seed notes' train_epoch for variable-length data: a loader yielding (inputs,
// labels, lengths), a model that reads the padded inputs, a loss that takes the
// lengths, Adam, a few epochs; on Debian's fortunes (apt-get install fortunes),
// each fortune labelled by the collection it comes from.
//
//   example_fortunes_train_epoch [DIR [EPOCHS [classes,...]]]
#include <cstdio>
#include <sstream>

#include <ag/ag.h>

namespace nn = ag::nn;
namespace F = ag::nn::functional;
namespace rnn = ag::nn::utils::rnn;

// Bytes in, one set of class scores per step out: the model does not know the lengths
// (the seed calls model.forward(batch_inputs)); padding comes after a sequence's real
// steps, so a one-directional LSTM's output at step length − 1 has not seen any of it.
class TextModelImpl : public nn::Module {
 public:
  TextModelImpl(int64_t classes) {
    embedding = register_module("embedding", nn::Embedding(ag::data::kByteVocabulary, 32, 0));
    lstm = register_module("lstm", nn::LSTM(nn::LSTMOptions(32, 64).batch_first(true)));
    fc = register_module("fc", nn::Linear(64, classes));
  }
  ag::Tensor forward(const ag::Tensor& inputs) override {  // (B, T) → (B, T, classes)
    auto [out, state] = lstm(embedding(inputs));
    return fc(out);
  }
  nn::Embedding embedding{nullptr};
  nn::LSTM lstm{nullptr};
  nn::Linear fc{nullptr};
};
AG_MODULE(TextModel);

// The seed's loss_function(outputs, labels, lengths): each sequence is classified by
// its output at its last real step.
ag::Tensor loss_function(const ag::Tensor& outputs, const ag::Tensor& labels, const ag::Tensor& lengths) {
  return F::cross_entropy(rnn::last_step(outputs, lengths, /*batch_first=*/true), labels);
}

template <typename Loader>
double train_epoch(ag::optim::Optimizer& optimizer, TextModel& model, Loader& loader) {
  double total_loss = 0;
  for (auto& batch : loader) {
    auto [batch_inputs, batch_labels, batch_lengths] = batch.template unpack<3>();
    optimizer.zero_grad();
    ag::Tensor outputs = model->forward(batch_inputs);
    ag::Tensor loss = loss_function(outputs, batch_labels, batch_lengths);
    loss.backward();
    optimizer.step();
    total_loss += loss.item();
  }
  return total_loss;
}

double accuracy(TextModel& model, const ag::data::DatasetRef& test) {
  ag::NoGradGuard no_grad;
  model->eval();
  ag::data::DataLoader loader(test, ag::data::DataLoaderOptions(64));
  int64_t good = 0;
  for (auto& batch : loader) {
    auto [inputs, labels, lengths] = batch.unpack<3>();
    ag::Tensor last = rnn::last_step(model->forward(inputs), lengths, true);
    good += (last.argmax(1) == labels).to(ag::kInt64).sum().item<int64_t>();
  }
  model->train();
  return static_cast<double>(good) / static_cast<double>(test->size());
}

int main(int argc, char** argv) {
  ag::ensure_best_blas_kernels(argc, argv);
  const std::string dir = argc > 1 ? argv[1] : ag::data::kFortunesRoot;
  const int epochs = argc > 2 ? std::atoi(argv[2]) : 3;
  std::vector<std::string> classes = ag::data::default_fortune_classes();
  if (argc > 3) {
    classes.clear();
    std::stringstream list(argv[3]);
    for (std::string c; std::getline(list, c, ',');) classes.push_back(c);
  }
  std::vector<std::string> files;
  for (const auto& c : classes) files.push_back(dir + "/" + c);
  ag::data::TextClassification data = ag::data::text_classification(files);
  std::printf("%lld training and %lld test fortunes in %zu classes\n", static_cast<long long>(data.train->size()),
              static_cast<long long>(data.test->size()), classes.size());

  ag::manual_seed(0);
  TextModel model(static_cast<int64_t>(classes.size()));
  ag::optim::Adam optimizer(model->parameters(), ag::optim::AdamOptions(3e-3));
  // Batches of similar lengths, so little of each padded batch is padding.
  auto sampler = std::make_shared<ag::data::BucketSampler>(data.train->lengths(), 32, 1, 0, true, /*seed=*/0);
  ag::data::DataLoader loader(data.train, ag::data::DataLoaderOptions(32).sampler(sampler), ag::data::pad_collate);
  for (int epoch = 0; epoch < epochs; ++epoch) {
    sampler->set_epoch(epoch);
    double total = train_epoch(optimizer, model, loader);
    std::printf("Epoch %d: training loss %.4f (mean %.4f), test accuracy %.4f\n", epoch, total,
                total / static_cast<double>(loader.size()), accuracy(model, data.test));
  }
  return 0;
}
