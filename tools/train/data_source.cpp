// The --data sources: Debian's Fashion-MNIST, any IDX folder of the same layout,
// a CSV file, or synthetic data labelled by a fixed random teacher.
#include "train/data_source.h"

#include <filesystem>
#include <stdexcept>

#include "ag/generator.h"

namespace ag::tools {

namespace {

// The dataset as the model sees it: images reshaped to the model's input, and for an
// autoencoder the input repeated as the target.
class Shaped : public data::Dataset {
 public:
  Shaped(data::DatasetRef inner, std::vector<int64_t> shape, bool autoencoder)
      : inner_(std::move(inner)), shape_(std::move(shape)), autoencoder_(autoencoder) {}
  int64_t size() const override { return inner_->size(); }
  data::Example get(int64_t i) const override { return fix(inner_->get(i), false); }
  data::Example get_batch(std::span<const int64_t> idx) const override { return fix(inner_->get_batch(idx), true); }

 private:
  data::Example fix(data::Example e, bool batched) const {
    Dims shape(shape_.begin(), shape_.end());
    if (batched) shape.insert(0, -1);
    Tensor x = e.fields.at(0).reshape(shape);
    if (autoencoder_) return data::Example{{x, x}};
    e.fields[0] = x;
    return e;
  }
  data::DatasetRef inner_;
  std::vector<int64_t> shape_;
  bool autoencoder_;
};

int64_t numel(const std::vector<int64_t>& s) {
  int64_t n = 1;
  for (int64_t d : s) n *= d;
  return n;
}

std::string find_file(const std::string& dir, const std::string& stem) {
  for (const char* ext : {".gz", ""}) {
    std::string p = dir + "/" + stem + ext;
    if (std::filesystem::exists(p)) return p;
  }
  throw std::runtime_error("--data: " + dir + " has no " + stem + "[.gz]");
}

DataSource idx_folder(const std::string& dir, bool debian_default) {
  if (!std::filesystem::is_directory(dir)) {
    if (debian_default)
      throw std::runtime_error("--data: Fashion-MNIST not found at " + dir +
                               " (install it with: apt-get install dataset-fashion-mnist)");
    throw std::runtime_error("--data: folder " + dir + " does not exist");
  }
  auto open = [&](const char* prefix) {
    return std::make_shared<data::FashionMNIST>(data::FashionMNIST::from_files(
        find_file(dir, std::string(prefix) + "-images-idx3-ubyte"), find_file(dir, std::string(prefix) + "-labels-idx1-ubyte"),
        {.flatten = true}));
  };
  DataSource src{data::DatasetRef(open("train")), std::nullopt, "IDX images in " + dir};
  std::string t10k = dir + "/t10k-images-idx3-ubyte";
  if (std::filesystem::exists(t10k) || std::filesystem::exists(t10k + ".gz")) src.test = data::DatasetRef(open("t10k"));
  return src;
}

// N examples of the model's input shape drawn around fixed random class prototypes
// (the teacher): label k's examples are prototype k plus noise, so the task is
// learnable but not trivial. Test set: N/5 more from the same teacher.
DataSource synthetic(int64_t n, const std::vector<int64_t>& shape, int64_t classes, uint64_t seed) {
  Generator g(seed + 0x5eed);
  int64_t features = numel(shape), k = std::max<int64_t>(classes, 1);
  Tensor prototypes = ag::empty({k, features});
  ag::uniform_(prototypes, 0, 1, &g);
  auto make = [&](int64_t count) {
    Tensor y = ag::randint(0, k, {count}, {}, &g);
    Tensor noise = ag::empty({count, features});
    ag::normal_(noise, 0, 0.35, &g);
    Tensor x = ag::zeros({count, features});
    for (int64_t i = 0; i < count; ++i) x[i].copy_(prototypes[y[i].item<int64_t>()]);
    x = (x + noise).clamp(0.0, 1.0);
    if (classes == 0) y = ag::zeros({count}, kInt64);
    return data::DatasetRef(std::make_shared<data::TensorDataset>(std::vector<Tensor>{x, y}));
  };
  return DataSource{make(n), make(std::max<int64_t>(1, n / 5)), "synthetic, " + std::to_string(n) + " examples"};
}

DataSource csv(const std::string& rest, int64_t classes) {
  std::string file = rest, label = "-1";
  if (size_t c = rest.rfind(":label="); c != std::string::npos) {
    file = rest.substr(0, c);
    label = rest.substr(c + 7);
  }
  data::CsvOptions o;
  bool numeric = !label.empty() && label.find_first_not_of("-0123456789") == std::string::npos;
  if (numeric) o.label_column = static_cast<int64_t>(std::stoll(label));
  else o.label_column = label;
  if (classes == 0) o.label_dtype = kFloat32;
  auto table = data::read_csv(file, o);
  if (classes > 0 && table.labels.numel() > 0) {
    int64_t lo = table.labels.min().item<int64_t>(), hi = table.labels.max().item<int64_t>();
    if (lo < 0 || hi >= classes)
      throw std::runtime_error("--data " + file + ": labels range over [" + std::to_string(lo) + ", " + std::to_string(hi) +
                               "] but the model has " + std::to_string(classes) + " classes");
  }
  return DataSource{data::DatasetRef(std::make_shared<data::TensorDataset>(table.dataset())), std::nullopt, "CSV " + file};
}

}  // namespace

DataSource open_data(const std::string& spec, const std::vector<int64_t>& input_shape, int64_t classes, uint64_t seed) {
  std::string kind = spec.substr(0, spec.find(':'));
  std::string rest = spec.find(':') == std::string::npos ? "" : spec.substr(spec.find(':') + 1);
  if (kind == "synthetic") {
    int64_t n = 4096;
    if (!rest.empty()) {
      char* end = nullptr;
      n = std::strtoll(rest.c_str(), &end, 10);
      if (*end || n <= 0 || n > (1 << 26)) throw std::runtime_error("--data synthetic: '" + rest + "' is not a sample count in 1..67108864");
    }
    return synthetic(n, input_shape, classes, seed);
  }
  DataSource src = [&] {
    if (kind == "fashion-mnist") {
      std::string dir = rest.empty() ? std::string(data::FashionMNIST::kDefaultRoot) : rest;
      DataSource s = idx_folder(dir, rest.empty());
      s.description = "Fashion-MNIST (" + dir + ")";
      return s;
    }
    if (kind == "idx") {
      if (rest.empty()) throw std::runtime_error("--data idx: needs a folder (idx:DIR)");
      return idx_folder(rest, false);
    }
    if (kind == "csv") {
      if (rest.empty()) throw std::runtime_error("--data csv: needs a file (csv:FILE[:label=COL])");
      return csv(rest, classes);
    }
    throw std::runtime_error("--data: unknown source '" + spec + "' (fashion-mnist[:DIR], idx:DIR, csv:FILE[:label=COL], synthetic[:N])");
  }();
  // Check one example against the model before training starts.
  data::Example e = src.train->get(0);
  if (e.fields.size() < 2) throw std::runtime_error("--data " + spec + ": examples need features and a label");
  if (e.fields[0].numel() != numel(input_shape))
    throw std::runtime_error("--data " + spec + ": examples have " + std::to_string(e.fields[0].numel()) +
                             " features but the model takes " + std::to_string(numel(input_shape)));
  bool autoencoder = classes == 0;
  src.train = data::DatasetRef(std::make_shared<Shaped>(src.train, input_shape, autoencoder));
  if (src.test) src.test = data::DatasetRef(std::make_shared<Shaped>(*src.test, input_shape, autoencoder));
  return src;
}

}  // namespace ag::tools
