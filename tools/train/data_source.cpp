// The --data sources: Debian's Fashion-MNIST, any IDX folder of the same layout,
// a CSV file, or synthetic data labelled by a fixed random teacher.
#include "train/data_source.h"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <stdexcept>

#include "ag/generator.h"
#include "train/spec_registry.h"

namespace ag::tools {

namespace {

std::vector<std::string> split_list(const std::string& s, char sep) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= s.size()) {
    size_t end = s.find(sep, start);
    if (end == std::string::npos) end = s.size();
    out.push_back(s.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

// The dataset as the model sees it: images reshaped to the model's input, and for an
// autoencoder the input repeated as the target.
class Shaped : public data::Dataset {
 public:
  Shaped(data::DatasetRef inner, std::vector<int64_t> shape, bool autoencoder)
      : inner_(std::move(inner)), shape_(std::move(shape)), autoencoder_(autoencoder) {}
  int64_t size() const override { return inner_->size(); }
  data::Example<> get(int64_t i) const override { return fix(inner_->get(i), false); }
  data::Example<> get_batch(std::span<const int64_t> idx) const override { return fix(inner_->get_batch(idx), true); }

 private:
  data::Example<> fix(data::Example<> e, bool batched) const {
    Dims shape(shape_.begin(), shape_.end());
    if (batched) shape.insert(0, -1);
    Tensor x = e.data.reshape(shape);
    if (autoencoder_) return data::Example<>{x, x};
    e.data = x;
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

// The first example of `set` (from `name`) has features and a label, and as many features as the model's input.
void check_examples(const std::string& spec, const std::string& name, const data::Dataset& set, const std::vector<int64_t>& input_shape) {
  data::Example<> e = set.get(0);
  if (e.size() < 2) throw std::runtime_error("--data " + spec + ": " + name + ": examples need features and a label");
  const Tensor& x = e.data;
  if (x.numel() != numel(input_shape))
    throw std::runtime_error("--data " + spec + ": " + name + ": examples have " + std::to_string(x.numel()) + " features (shape " +
                             to_string(x.sizes()) + ") but the model takes " + std::to_string(numel(input_shape)) + " (shape " +
                             to_string(Dims(input_shape.begin(), input_shape.end())) + ")");
}

std::string find_file(const std::string& dir, const std::string& stem) {
  for (const char* ext : {".gz", ""}) {
    std::string p = dir + "/" + stem + ext;
    if (std::filesystem::exists(p)) return p;
  }
  throw std::runtime_error("--data: " + dir + " has no " + stem + "[.gz]");
}

// The same check as for a CSV file: every label is a class of the model.
void check_labels(const std::string& what, int64_t lo, int64_t hi, int64_t classes) {
  if (classes > 0 && (lo < 0 || hi >= classes))
    throw std::runtime_error("--data " + what + ": labels range over [" + std::to_string(lo) + ", " + std::to_string(hi) +
                             "] but the model has " + std::to_string(classes) + " classes");
}

DataSource idx_folder(const std::string& dir, bool debian_default, int64_t classes) {
  if (!std::filesystem::is_directory(dir)) {
    if (debian_default)
      throw std::runtime_error("--data: Fashion-MNIST not found at " + dir +
                               " (install it with: apt-get install dataset-fashion-mnist)");
    throw std::runtime_error("--data: folder " + dir + (std::filesystem::exists(dir) ? " is not a folder" : " does not exist"));
  }
  auto open = [&](const char* prefix) {
    const std::string labels = find_file(dir, std::string(prefix) + "-labels-idx1-ubyte");
    auto set = std::make_shared<data::FashionMNIST>(
        data::FashionMNIST::from_files(find_file(dir, std::string(prefix) + "-images-idx3-ubyte"), labels, data::MnistOptions().flatten(true)));
    if (set->size() > 0) {
      const auto* l = set->labels();
      const auto [lo, hi] = std::minmax_element(l, l + set->size());
      check_labels(labels, *lo, *hi, classes);
    }
    return set;
  };
  DataSource src{data::DatasetRef(open("train")), std::nullopt, "IDX images in " + dir, find_file(dir, "train-images-idx3-ubyte"), ""};
  std::string t10k = dir + "/t10k-images-idx3-ubyte";
  if (std::filesystem::exists(t10k) || std::filesystem::exists(t10k + ".gz")) {
    src.test = data::DatasetRef(open("t10k"));
    src.test_name = find_file(dir, "t10k-images-idx3-ubyte");
  }
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
    // Row i is prototype y[i]: a plain copy per row (tensor ops per row took minutes for
    // the largest counts --data synthetic accepts).
    Tensor x = ag::empty({count, features});
    const float* proto = prototypes.data_ptr<float>();
    const int64_t* label = y.data_ptr<int64_t>();
    float* rows = x.data_ptr<float>();
    for (int64_t i = 0; i < count; ++i)
      std::memcpy(rows + i * features, proto + label[i] * features, static_cast<size_t>(features) * sizeof(float));
    std::vector<int64_t> dims{count};
    dims.insert(dims.end(), shape.begin(), shape.end());  // the model's input shape (convnet: 1×28×28)
    x = (x + noise).clamp(0.0, 1.0).reshape(Dims(dims.begin(), dims.end()));
    if (classes == 0) y = x;  // an autoencoder's target is its input
    return data::DatasetRef(std::make_shared<data::TensorDataset>(std::vector<Tensor>{x, y}));
  };
  return DataSource{make(n), make(std::max<int64_t>(1, n / 5)), "synthetic, " + std::to_string(n) + " examples", "synthetic", "synthetic"};
}

DataSource csv(const std::string& rest, int64_t classes) {
  std::string file = rest, label = "-1";
  if (size_t c = rest.rfind(":label="); c != std::string::npos) {
    file = rest.substr(0, c);
    label = rest.substr(c + 7);
  }
  data::CsvOptions o;
  // A column index when the whole value is an integer, else a column name.
  errno = 0;
  char* end = nullptr;
  const long long index = std::strtoll(label.c_str(), &end, 10);
  const bool numeric = !label.empty() && *end == '\0' && label.find_first_not_of("-0123456789") == std::string::npos;
  if (numeric && errno) throw std::runtime_error("--data csv:" + rest + ": label column index '" + label + "' is out of range");
  if (numeric) o.label_column = static_cast<int64_t>(index);
  else o.label_column = label;
  if (classes == 0) o.label_dtype = kFloat32;
  auto table = data::read_csv(file, o);
  if (classes > 0 && table.labels.numel() > 0)
    check_labels(file, table.labels.min().item<int64_t>(), table.labels.max().item<int64_t>(), classes);
  return DataSource{data::DatasetRef(std::make_shared<data::TensorDataset>(table.dataset())), std::nullopt, "CSV " + file, file, ""};
}

// A sample count for synthetic[:N]; synthetic data takes about four copies of
// itself to generate, so N is limited where that stays near 1 GiB of float32.
int64_t synthetic_count(const std::string& args) {
  if (args.empty()) return 4096;
  errno = 0;
  char* end = nullptr;
  long long n = std::strtoll(args.c_str(), &end, 10);
  if (*end || errno || n <= 0 || n > (1 << 26)) throw UsageError("'" + args + "' is not a sample count in 1..67108864");
  return n;
}

// text:FILE[:val=FRACTION]: the file's bytes (or a folder's files', concatenated) as
// tokens, the last FRACTION (default 0.1, nanoGPT's split) held out for validation.
struct TextArgs {
  std::string path;
  double val = 0.1;
};
TextArgs text_args(const std::string& args) {
  TextArgs t{args};
  if (size_t c = args.rfind(":val="); c != std::string::npos) {
    t.path = args.substr(0, c);
    const std::string v = args.substr(c + 5);
    errno = 0;
    char* end = nullptr;
    t.val = std::strtod(v.c_str(), &end);
    if (v.empty() || *end || errno || !(t.val >= 0 && t.val < 1)) throw UsageError("val=" + v + " is not a fraction in [0, 1)");
  }
  if (t.path.empty()) throw UsageError("needs a file or folder");
  return t;
}

// Train and validation windows of `context` + 1 tokens; a stream too short for one
// window is an error naming it.
DataSource token_windows(const data::TokenStream& train, const data::TokenStream& val, int64_t context, const std::string& train_name,
                         const std::string& val_name) {
  auto windows = [&](const data::TokenStream& s, const std::string& name) {
    try {
      return data::DatasetRef(std::make_shared<data::TokenWindows>(s, context, name));
    } catch (const std::invalid_argument& e) {
      throw std::runtime_error(std::string("--data: ") + e.what());
    }
  };
  DataSource src{windows(train, train_name), std::nullopt, "", train_name, val_name};
  if (val) src.test = windows(val, val_name);
  src.description = std::to_string(train->size()) + " training tokens from " + train_name +
                    (val ? ", " + std::to_string(val->size()) + " validation tokens from " + val_name : std::string(", no validation data"));
  return src;
}

DataSource text_source(const std::string& args, int64_t context) {
  TextArgs t = text_args(args);
  data::TokenStream all;
  try {
    all = data::read_text_tokens(t.path);
  } catch (const std::runtime_error& e) {
    throw std::runtime_error(std::string("--data text: ") + e.what());
  }
  const auto n = static_cast<int64_t>(all->size());
  const auto held = static_cast<int64_t>(static_cast<double>(n) * t.val);
  if (held == 0) return token_windows(all, nullptr, context, t.path, "");
  auto train = std::make_shared<std::vector<uint16_t>>(all->begin(), all->end() - held);
  auto val = std::make_shared<std::vector<uint16_t>>(all->end() - held, all->end());
  return token_windows(train, val, context, t.path + " (first " + std::to_string(n - held) + " bytes)",
                       t.path + " (last " + std::to_string(held) + " bytes)");
}

DataSource token_file_source(const std::string& args, int64_t context, int64_t vocab) {
  const size_t comma = args.find(',');
  const std::string train = args.substr(0, comma), val = comma == std::string::npos ? "" : args.substr(comma + 1);
  data::TokenStream train_tokens, val_tokens;
  try {
    train_tokens = data::read_llmc_tokens(train, vocab);
    if (!val.empty()) val_tokens = data::read_llmc_tokens(val, vocab);
  } catch (const std::runtime_error& e) {
    throw std::runtime_error(std::string("--data tokens: ") + e.what());
  }
  return token_windows(train_tokens, val_tokens, context, train, val);
}

// Text files as a classification set of byte sequences (see ag/data/sequences.h).
DataSource text_files(const std::vector<std::string>& files, const std::string& what, int64_t classes) {
  for (const std::string& f : files)
    if (!std::filesystem::is_regular_file(f)) throw std::runtime_error("--data " + what + ": " + f + " is not a readable file");
  auto set = data::text_classification(files);
  if (classes > 0 && static_cast<int64_t>(files.size()) > classes)
    throw std::runtime_error("--data " + what + ": " + std::to_string(files.size()) + " files make " + std::to_string(files.size()) +
                             " classes but the model has " + std::to_string(classes) + " (set classes= in the model spec)");
  DataSource s{data::DatasetRef(set.train), data::DatasetRef(set.test), what, what, what};
  s.variable_length = true;
  return s;
}

// fortunes[:DIR][:classes=a,b,...|all]: one class per fortune collection.
DataSource fortunes(const std::string& args, int64_t classes) {
  std::string dir = data::kFortunesRoot, list;
  for (const std::string& part : split_list(args, ':')) {
    if (part.rfind("classes=", 0) == 0) list = part.substr(8);
    else if (!part.empty()) dir = part;
  }
  if (!std::filesystem::is_directory(dir))
    throw std::runtime_error("--data fortunes: " + dir + " is not a folder" +
                             (args.empty() ? " (install the fortunes with: apt-get install fortunes)" : ""));
  std::vector<std::string> known = data::fortune_collections(dir), files;
  std::vector<std::string> names = list.empty() ? data::default_fortune_classes() : list == "all" ? known : split_list(list, ',');
  for (const std::string& n : names) {
    if (std::find(known.begin(), known.end(), n) == known.end()) {
      std::string all;
      for (const std::string& k : known) all += (all.empty() ? "" : ",") + k;
      throw std::runtime_error("--data fortunes: no collection '" + n + "' in " + dir + " (there are: " + all + ")");
    }
    files.push_back(dir + "/" + n);
  }
  DataSource s = text_files(files, "fortunes", classes);
  std::string joined;
  for (const std::string& n : names) joined += (joined.empty() ? "" : ",") + n;
  if (list == "all") joined = "all " + std::to_string(names.size()) + " collections";
  s.description = "fortunes " + joined + " (" + dir + "), " + std::to_string(s.train->size()) + " train / " +
                  std::to_string((*s.test)->size()) + " test";
  return s;
}

void needs(const std::string& args, const char* what) {
  if (args.empty()) throw UsageError(std::string("needs ") + what);
}

using DataRegistry = SpecRegistry<DataSource, const std::vector<int64_t>&, int64_t, uint64_t>;
using Shape = const std::vector<int64_t>&;

const DataRegistry& data_sources() {
  static const DataRegistry registry(
      "data",
      {
          {"fashion-mnist", "fashion-mnist[:DIR]", [](const std::string&) {},
           [](const std::string& dir, Shape, int64_t classes, uint64_t) {
             std::string root = dir.empty() ? std::string(data::FashionMNIST::kDefaultRoot) : dir;
             DataSource s = idx_folder(root, dir.empty(), classes);
             s.description = "Fashion-MNIST (" + root + ")";
             return s;
           }},
          {"idx", "idx:DIR", [](const std::string& a) { needs(a, "a folder"); },
           [](const std::string& dir, Shape, int64_t classes, uint64_t) { return idx_folder(dir, false, classes); }},
          {"csv", "csv:FILE[:label=COL]", [](const std::string& a) { needs(a, "a file"); },
           [](const std::string& rest, Shape, int64_t classes, uint64_t) { return csv(rest, classes); }},
          {"fortunes", "fortunes[:DIR][:classes=a,b,...|all]", [](const std::string&) {},
           [](const std::string& a, Shape, int64_t classes, uint64_t) { return fortunes(a, classes); }},
          {"lines", "lines:FILE1,FILE2,...", [](const std::string& a) { needs(a, "files"); },
           [](const std::string& a, Shape, int64_t classes, uint64_t) { return text_files(split_list(a, ','), "lines", classes); }},
          {"synthetic", "synthetic[:N]", [](const std::string& a) { synthetic_count(a); },
           [](const std::string& a, Shape shape, int64_t classes, uint64_t seed) {
             int64_t n = synthetic_count(a);
             constexpr int64_t kMaxSyntheticValues = int64_t{1} << 26;
             const int64_t per_example = numel(shape);
             if (n > kMaxSyntheticValues / std::max<int64_t>(per_example, 1))
               throw std::runtime_error("--data synthetic:" + a + ": " + std::to_string(n) + " examples of " + std::to_string(per_example) +
                                        " features exceed the " + std::to_string(kMaxSyntheticValues) +
                                        " values synthetic data is limited to");
             return synthetic(n, shape, classes, seed);
           }},
          {"text", "text:FILE|DIR[:val=FRACTION] (bytes as tokens, for gpt)", [](const std::string& a) { text_args(a); },
           [](const std::string& a, Shape shape, int64_t, uint64_t) { return text_source(a, shape.at(0)); }},
          {"tokens", "tokens:TRAIN.bin[,VAL.bin] (llm.c token files, for gpt)",
           [](const std::string& a) {
             needs(a, "a token file");
             if (a.front() == ',') throw UsageError("needs a training token file before the ','");
           },
           [](const std::string& a, Shape shape, int64_t vocab, uint64_t) { return token_file_source(a, shape.at(0), vocab); }},
      });
  return registry;
}

}  // namespace

std::string data_specs_help() { return data_sources().help(); }

void check_data_spec(const std::string& spec) { data_sources().check(spec); }

bool is_token_data(const std::string& spec) {
  const std::string name = SpecParts::of(spec).name;
  return name == "text" || name == "tokens";
}

DataSource open_data(const std::string& spec, const std::vector<int64_t>& input_shape, int64_t classes, uint64_t seed, bool language_model) {
  if (language_model != is_token_data(spec))
    throw UsageError("--data " + spec + (language_model ? ": a language model trains on text:FILE or tokens:FILE data"
                                                        : ": text and token data are for a language model (--model gpt:...)"));
  DataSource src = data_sources().build(spec, input_shape, classes, seed);
  if (language_model) return src;  // windows of the model's context, checked when made
  if (SpecParts::of(spec).name == "synthetic") return src;  // made in the model's shape
  if (src.variable_length) {
    if (src.train->size() == 0) throw std::runtime_error("--data " + spec + ": the training set holds no examples");
    if ((*src.test)->size() == 0) src.test.reset();
    return src;
  }
  if (src.train->size() == 0) throw std::runtime_error("--data " + spec + ": the training set holds no examples");
  // Evaluating an empty test set would report an accuracy of 0.
  if (src.test && (*src.test)->size() == 0) {
    src.description += "; no test data: " + src.test_name + " holds 0 examples";
    src.test.reset();
  }
  // Each split against the model now, not after an epoch of training.
  check_examples(spec, src.train_name, *src.train, input_shape);
  if (src.test) check_examples(spec, src.test_name, **src.test, input_shape);
  bool autoencoder = classes == 0;
  src.train = data::DatasetRef(std::make_shared<Shaped>(src.train, input_shape, autoencoder));
  if (src.test) src.test = data::DatasetRef(std::make_shared<Shaped>(*src.test, input_shape, autoencoder));
  return src;
}

}  // namespace ag::tools
