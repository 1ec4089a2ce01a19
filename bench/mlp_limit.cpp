// The hand-written limit for training the MLP 784-256-128-10 with Adam on Fashion-MNIST:
// flat buffers, 8 cblas_sgemm calls a step with transpose flags, one vectorisable pass each
// for bias+ReLU, softmax-cross-entropy and the ReLU masks, one fused Adam pass over every
// parameter, nothing allocated in the loop, flush-to-zero on. scripts/bench/vs-pytorch.sh
// measures `allgrad train` and PyTorch against it. Under mpirun each rank trains its
// DistributedSampler shard and one MPI_Allreduce sums the gradients before Adam.
//   build/bench/mlp_limit --batch-size 64 --epochs 3 --threads 1
//   mpirun -np 2 build/bench/mlp_limit --batch-size 64 --threads 1
// Prints the summary line `allgrad train` prints: "done: N steps in T s, S samples/s".
#include <cblas.h>
#include <mpi.h>
#include <xmmintrin.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "ag/data/fashion_mnist.h"

namespace {

struct Options {
  int batch = 64, epochs = 1, threads = 1;
  long max_steps = -1;
  unsigned seed = 0;
  bool flush_denormal = true;
  std::string data = ag::data::FashionMNIST::kDefaultRoot;
};

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&]() -> const char* {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "mlp_limit: %s needs a value\n", a.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--batch-size") o.batch = std::atoi(value());
    else if (a == "--epochs") o.epochs = std::atoi(value());
    else if (a == "--threads") o.threads = std::atoi(value());
    else if (a == "--max-steps") o.max_steps = std::atol(value());
    else if (a == "--seed") o.seed = static_cast<unsigned>(std::atol(value()));
    else if (a == "--data") o.data = value();
    else if (a == "--no-flush-denormal") o.flush_denormal = false;
    else {
      std::fprintf(stderr, "mlp_limit: unknown flag %s (--batch-size --epochs --threads --max-steps --seed --data --no-flush-denormal)\n", a.c_str());
      std::exit(2);
    }
  }
  if (o.batch < 1 || o.epochs < 1 || o.threads < 1) {
    std::fprintf(stderr, "mlp_limit: --batch-size, --epochs and --threads must be at least 1\n");
    std::exit(2);
  }
  return o;
}

constexpr int kLayers = 3;
constexpr int kWidth[kLayers + 1] = {784, 256, 128, 10};

// One Linear layer's place in the flat parameter (and gradient) buffer.
struct Layer {
  int in, out;
  size_t w, b;
};

struct Mlp {
  Layer layer[kLayers];
  std::vector<float> param, grad, m, v;  // Adam's moments share the layout
  // Activations (act[0] is the input batch) and their gradients, sized for a full batch.
  std::vector<float> act[kLayers + 1], dact[kLayers + 1];
  std::vector<int> label;

  Mlp(int batch, unsigned seed) {
    size_t n = 0;
    for (int l = 0; l < kLayers; ++l) {
      layer[l] = {kWidth[l], kWidth[l + 1], n, n + static_cast<size_t>(kWidth[l]) * kWidth[l + 1]};
      n = layer[l].b + kWidth[l + 1];
    }
    param.resize(n);
    grad.assign(n, 0.f);
    m.assign(n, 0.f);
    v.assign(n, 0.f);
    // nn.Linear's init: weight and bias uniform in ±1/sqrt(fan_in).
    std::mt19937 gen(seed);
    for (const Layer& L : layer) {
      std::uniform_real_distribution<float> u(-1.f / std::sqrt(float(L.in)), 1.f / std::sqrt(float(L.in)));
      for (size_t i = L.w; i < L.b + L.out; ++i) param[i] = u(gen);
    }
    for (int l = 0; l <= kLayers; ++l) {
      act[l].resize(static_cast<size_t>(batch) * kWidth[l]);
      dact[l].resize(static_cast<size_t>(batch) * kWidth[l]);
    }
    label.resize(batch);
  }

  // out = relu?(in · Wᵀ + b)
  void forward_layer(int l, int rows, bool relu) {
    const Layer& L = layer[l];
    float* out = act[l + 1].data();
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, rows, L.out, L.in, 1.f, act[l].data(), L.in,
                param.data() + L.w, L.in, 0.f, out, L.out);
    const float* b = param.data() + L.b;
    for (int r = 0; r < rows; ++r) {
      float* row = out + static_cast<size_t>(r) * L.out;
      if (relu)
        for (int j = 0; j < L.out; ++j) row[j] = std::max(row[j] + b[j], 0.f);
      else
        for (int j = 0; j < L.out; ++j) row[j] += b[j];
    }
  }

  // Mean cross-entropy of the logits; writes d loss / d logits into dact[kLayers].
  double softmax_cross_entropy(int rows) {
    const int c = kWidth[kLayers];
    const float inv = 1.f / static_cast<float>(rows);
    double loss = 0;
    for (int r = 0; r < rows; ++r) {
      const float* z = act[kLayers].data() + static_cast<size_t>(r) * c;
      float* dz = dact[kLayers].data() + static_cast<size_t>(r) * c;
      float mx = z[0];
      for (int j = 1; j < c; ++j) mx = std::max(mx, z[j]);
      float sum = 0;
      for (int j = 0; j < c; ++j) sum += (dz[j] = std::exp(z[j] - mx));
      const float scale = inv / sum;
      for (int j = 0; j < c; ++j) dz[j] *= scale;
      dz[label[r]] -= inv;
      loss += std::log(sum) + mx - z[label[r]];
    }
    return loss / rows;
  }

  // dW = doutᵀ · in, db = Σ rows of dout, and (below the first layer) din = dout · W masked by ReLU.
  void backward_layer(int l, int rows) {
    const Layer& L = layer[l];
    const float* dout = dact[l + 1].data();
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, L.out, L.in, rows, 1.f, dout, L.out, act[l].data(), L.in, 0.f,
                grad.data() + L.w, L.in);
    float* db = grad.data() + L.b;
    std::fill(db, db + L.out, 0.f);
    for (int r = 0; r < rows; ++r) {
      const float* row = dout + static_cast<size_t>(r) * L.out;
      for (int j = 0; j < L.out; ++j) db[j] += row[j];
    }
    if (l == 0) return;
    float* din = dact[l].data();
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, rows, L.in, L.out, 1.f, dout, L.out, param.data() + L.w, L.in,
                0.f, din, L.in);
    const float* a = act[l].data();
    for (size_t i = 0, n = static_cast<size_t>(rows) * L.in; i < n; ++i) din[i] = a[i] > 0.f ? din[i] : 0.f;
  }

  // torch.optim.Adam (lr 1e-3, betas 0.9/0.999, eps 1e-8) over all parameters in one pass;
  // grad_scale averages gradients summed over ranks.
  void adam_step(long t, float grad_scale) {
    const float lr = 1e-3f, b1 = 0.9f, b2 = 0.999f, eps = 1e-8f;
    const float step_size = lr / static_cast<float>(1 - std::pow(0.9, t));
    const float inv_sqrt_bc2 = static_cast<float>(1 / std::sqrt(1 - std::pow(0.999, t)));
    float* __restrict p = param.data();
    float* __restrict mm = m.data();
    float* __restrict vv = v.data();
    const float* __restrict g = grad.data();
    for (size_t i = 0, n = param.size(); i < n; ++i) {
      const float gi = g[i] * grad_scale;
      mm[i] = b1 * mm[i] + (1 - b1) * gi;
      vv[i] = b2 * vv[i] + (1 - b2) * gi * gi;
      p[i] -= step_size * mm[i] / (std::sqrt(vv[i]) * inv_sqrt_bc2 + eps);
    }
  }
};

// DistributedSampler's order: one permutation per epoch shared by the ranks, padded to a
// multiple of the world size, rank r taking every world-th index from r.
void shard_indices(std::vector<int>& mine, int n, int rank, int world, unsigned seed, int epoch) {
  static std::vector<int> perm;
  perm.resize(n);
  for (int i = 0; i < n; ++i) perm[i] = i;
  std::mt19937 gen(seed + static_cast<unsigned>(epoch));
  std::shuffle(perm.begin(), perm.end(), gen);
  const int per_rank = (n + world - 1) / world;
  mine.resize(per_rank);
  for (int k = 0; k < per_rank; ++k) mine[k] = perm[(static_cast<size_t>(k) * world + rank) % n];
}

}  // namespace

int main(int argc, char** argv) {
  const Options o = parse(argc, argv);
  // MPI only when launched by mpirun, so a single run needs no launcher.
  const bool use_mpi = std::getenv("OMPI_COMM_WORLD_SIZE") || std::getenv("PMI_SIZE");
  int rank = 0, world = 1;
  if (use_mpi) {
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &world);
  }
  if (o.flush_denormal) _mm_setcsr(_mm_getcsr() | 0x8040);  // FTZ and DAZ
  openblas_set_num_threads(o.threads);

  ag::data::FashionMNIST data(o.data, true);
  const int n = static_cast<int>(data.size()), pixels = kWidth[0];
  const uint8_t* images = data.pixels();
  const uint8_t* labels = data.labels();

  Mlp net(o.batch, o.seed);
  std::vector<int> mine;
  long steps = 0;
  double samples = 0, loss_sum = 0;
  long loss_n = 0;
  auto t0 = std::chrono::steady_clock::now();
  for (int epoch = 0; epoch < o.epochs && (o.max_steps < 0 || steps < o.max_steps); ++epoch) {
    shard_indices(mine, n, rank, world, o.seed, epoch);
    loss_sum = 0;
    loss_n = 0;
    for (size_t start = 0; start < mine.size() && (o.max_steps < 0 || steps < o.max_steps); start += o.batch) {
      const int rows = static_cast<int>(std::min<size_t>(o.batch, mine.size() - start));
      // The batch: uint8 pixels to float /255 (ToTensor), gathered by index.
      for (int r = 0; r < rows; ++r) {
        const uint8_t* src = images + static_cast<size_t>(mine[start + r]) * pixels;
        float* dst = net.act[0].data() + static_cast<size_t>(r) * pixels;
        for (int j = 0; j < pixels; ++j) dst[j] = static_cast<float>(src[j]) / 255.f;
        net.label[r] = labels[mine[start + r]];
      }
      for (int l = 0; l < kLayers; ++l) net.forward_layer(l, rows, l + 1 < kLayers);
      loss_sum += net.softmax_cross_entropy(rows);
      ++loss_n;
      for (int l = kLayers - 1; l >= 0; --l) net.backward_layer(l, rows);
      if (world > 1)
        MPI_Allreduce(MPI_IN_PLACE, net.grad.data(), static_cast<int>(net.grad.size()), MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
      net.adam_step(++steps, 1.f / static_cast<float>(world));
      samples += static_cast<double>(rows) * world;
    }
  }
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (rank == 0)
    std::printf("done: %ld steps in %.1f s, %.0f samples/s, last epoch mean loss %.4f (%d rank%s x %d thread%s, batch %d, flush-to-zero %s)\n",
                steps, secs, samples / secs, loss_n ? loss_sum / static_cast<double>(loss_n) : NAN, world,
                world > 1 ? "s" : "", o.threads, o.threads > 1 ? "s" : "", o.batch, o.flush_denormal ? "on" : "off");
  if (use_mpi) MPI_Finalize();
  return 0;
}
