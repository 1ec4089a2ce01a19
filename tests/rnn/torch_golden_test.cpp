// Golden values from PyTorch 1.13 (tests/rnn/torch_golden.py prints them): packed,
// unsorted, bidirectional two-layer LSTM, GRU and RNN with parameters and inputs given by
// formulas. Checks gate order, the biases' placement, parameter order, direction
// handling, packing with sorting, and which step h_n and c_n come from.
#include <cmath>

#include "rnn/rnn_util.h"

using ag::Tensor;
namespace rnn = ag::nn::utils::rnn;

namespace {

constexpr int64_t B = 3, T = 4, IN = 3, H = 2;

// Parameter k (in named_parameters order), element i: 0.5·sin(0.37·i + 1.3·k), as the script.
void fill(ag::nn::Module& m) {
  ag::NoGradGuard ng;
  int k = 0;
  for (auto& [name, p] : m.named_parameters()) {
    std::vector<double> v(static_cast<size_t>(p.numel()));
    for (size_t i = 0; i < v.size(); ++i) v[i] = 0.5 * std::sin(0.37 * static_cast<double>(i) + 1.3 * k);
    p.copy_(ag::from_vector(v, p.sizes()));
    ++k;
  }
}

Tensor input() {
  std::vector<double> v(B * T * IN);
  for (size_t i = 0; i < v.size(); ++i) v[i] = std::cos(0.21 * static_cast<double>(i));
  return ag::from_vector(v, {B, T, IN});
}

void expect_near(const Tensor& got, const std::vector<double>& want, const char* what) {
  ASSERT_EQ(got.numel(), static_cast<int64_t>(want.size())) << what;
  std::vector<double> g = agtest::values(got);
  for (size_t i = 0; i < want.size(); ++i) EXPECT_NEAR(g[i], want[i], 1e-9) << what << " element " << i;
}

template <typename M>
std::tuple<Tensor, Tensor, Tensor> run(M& m) {
  m->to(ag::kFloat64);
  fill(*m);
  auto packed = rnn::pack_padded_sequence(input(), ag::tensor({2, 4, 3}), /*batch_first=*/true, /*enforce_sorted=*/false);
  auto [out, state] = m->forward_with_packed_input(packed);
  auto [padded, lengths] = rnn::pad_packed_sequence(out, /*batch_first=*/true);
  EXPECT_TRUE(lengths.equal(ag::tensor({2, 4, 3})));
  if constexpr (std::is_same_v<std::decay_t<decltype(state)>, Tensor>) return {padded, state, Tensor()};
  else return {padded, std::get<0>(state), std::get<1>(state)};
}

}  // namespace

TEST(TorchGolden, LSTMPackedBidirectionalTwoLayers) {
  ag::nn::LSTM m(ag::nn::LSTMOptions(IN, H).num_layers(2).bidirectional(true).batch_first(true));
  auto [out, h_n, c_n] = run(m);
  expect_near(out, {0.184923186511, 0.0885651915056, 0.371666381318, 0.320521390173, 0.263535532933, 0.132957238988, 0.22868563391, 0.253047855481, 0, 0, 0, 0, 0, 0, 0, 0, 0.102404319077, 0.0381200938372, 0.430431062721, 0.454769409355, 0.180040198139, 0.0642126282957, 0.399099230716, 0.42114096995, 0.240609684289, 0.0876144623942, 0.338473814401, 0.355112181935, 0.278716940831, 0.113935293772, 0.217672589767, 0.234401178325, 0.181882385429, 0.0791826012861, 0.433838654224, 0.373245238943, 0.241718963821, 0.125621546659, 0.37330173329, 0.322313357323, 0.279481000913, 0.155579357997, 0.232334668679, 0.253945238898, 0, 0, 0, 0}, "output");
  expect_near(h_n, {-0.31783015029, -0.305629304886, -0.0843446248808, -0.0907536838529, -0.436048648009, -0.382409715058, -0.139795314183, -0.440423487233, 0.130406560606, 0.052869950507, -0.216094516181, -0.375893331483, 0.263535532933, 0.132957238988, 0.278716940831, 0.113935293772, 0.279481000913, 0.155579357997, 0.371666381318, 0.320521390173, 0.430431062721, 0.454769409355, 0.433838654224, 0.373245238943}, "h_n");
  expect_near(c_n, {-0.686307803852, -0.552421936911, -0.245343180539, -0.243782719274, -0.88082188199, -0.61347471819, -0.610925685274, -1.05192571742, 0.345595837882, 0.38384422102, -0.738271136421, -1.04866542781, 0.89805817034, 0.471016701831, 0.810683835714, 0.347079718986, 1.14156559918, 0.639474082443, 0.605972233387, 0.911553632287, 0.724184383195, 0.993136394695, 0.738762924091, 1.11690808639}, "c_n");
}

TEST(TorchGolden, GRUPackedBidirectionalTwoLayers) {
  ag::nn::GRU m(ag::nn::GRUOptions(IN, H).num_layers(2).bidirectional(true).batch_first(true));
  auto [out, h_n, c_n] = run(m);
  expect_near(out, {0.44432166438, 0.23438046394, 0.404503259301, 0.71053228237, 0.635066832537, 0.379592369537, 0.193714103894, 0.479094837958, 0, 0, 0, 0, 0, 0, 0, 0, -0.0219476381525, 0.00163365768004, 0.41567061023, 0.263119453519, -0.0441619301337, -0.00998542919632, 0.383836372949, 0.300211424061, 0.0196813190679, 0.0365350447403, 0.324430192201, 0.353659159701, 0.273894450851, 0.177127363306, 0.204601793232, 0.326449739791, 0.454526485096, 0.227423779293, 0.534332398053, 0.841109603923, 0.675270389046, 0.380151532816, 0.374476666515, 0.735964751088, 0.771824248844, 0.482083118557, 0.177332227785, 0.497993457507, 0, 0, 0, 0}, "output");
  expect_near(h_n, {-0.667141190551, -0.645023051052, -0.194959441431, -0.367681663597, -0.822234625903, -0.646741219394, -0.250512016807, -0.571916342088, 0.308080004281, 0.581791655905, -0.340982112892, -0.645085681008, 0.635066832537, 0.379592369537, 0.273894450851, 0.177127363306, 0.771824248844, 0.482083118557, 0.404503259301, 0.71053228237, 0.41567061023, 0.263119453519, 0.534332398053, 0.841109603923}, "h_n");
}

TEST(TorchGolden, RNNPackedBidirectionalTwoLayers) {
  ag::nn::RNN m(ag::nn::RNNOptions(IN, H).num_layers(2).bidirectional(true).batch_first(true));
  auto [out, h_n, c_n] = run(m);
  expect_near(out, {-0.159240457042, 0.62052758237, 0.00112944540459, -0.152058460124, -0.291157509903, 0.59533048578, -0.322457215126, -0.535739610227, 0, 0, 0, 0, 0, 0, 0, 0, 0.595686147587, 0.843069530931, -0.466778238957, 0.392920266535, 0.390347939324, 0.88773231385, -0.407185413951, 0.589689726605, 0.442916381157, 0.892188159138, -0.511928819084, 0.503551948347, 0.473347393038, 0.872347946112, -0.303479947576, 0.566250512056, -0.140168731634, 0.689622609132, -0.349063519161, -0.317122344818, -0.403979655023, 0.628853235328, 0.00323731744603, -0.301251233113, -0.263368278917, 0.567893570172, -0.306423267755, -0.588182372741, 0, 0, 0, 0}, "output");
  expect_near(h_n, {0.644118560851, 0.757866251944, -0.741792084437, -0.831311940956, 0.797379779563, 0.91257804029, -0.0780137382295, 0.857608479408, 0.938878893654, 0.511506391142, 0.438506119119, 0.835866329575, -0.291157509903, 0.59533048578, 0.473347393038, 0.872347946112, -0.263368278917, 0.567893570172, 0.00112944540459, -0.152058460124, -0.466778238957, 0.392920266535, -0.349063519161, -0.317122344818}, "h_n");
}
