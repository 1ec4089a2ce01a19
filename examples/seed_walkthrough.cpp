// The seed notes top to bottom in C++: tensors, autograd, Linear, Sequential,
// the MultilayerPerceptron class, and the optimizing loop (Adam lr 0.1, MSE, 10 epochs).
#include <cstdio>
#include <iostream>

#include <ag/ag.h>

namespace nn = ag::nn;

// "A neural network should extend the class nn.Module."
class MultilayerPerceptronImpl : public nn::Module {
 public:
  MultilayerPerceptronImpl(int64_t input_size, int64_t hidden_size) : input_size(input_size), hidden_size(hidden_size) {
    model = register_module("model", nn::Sequential{nn::Linear(input_size, hidden_size), nn::ReLU(),
                                                    nn::Linear(hidden_size, input_size), nn::Sigmoid()});
  }
  ag::Tensor forward(const ag::Tensor& x) override { return model(x); }
  int64_t input_size, hidden_size;
  nn::Sequential model{nullptr};
};
AG_MODULE(MultilayerPerceptron);

int main(int argc, char** argv) {
  ag::ensure_best_blas_kernels(argc, argv);
  ag::manual_seed(0);

  // Auto Grad: y = 3x², dy/dx at 2 is 12.
  auto x = ag::tensor({2.}, ag::requires_grad());
  auto y = x * x * 3;
  y.backward();
  std::cout << x.grad() << "\n";
  // x used in two functions: the gradients passed back add up to 12 + 12 = 24.
  x.mutable_grad().reset();  // x.grad = None
  auto z = x * x * 3;
  z.backward();   // passes 12 to x
  y = x * x * 3;  // y built again: the first backward freed its graph, as PyTorch's does
  y.backward();   // passes 12 to x
  std::cout << x.grad() << "\n";

  // Linear layer: N,*,H_in → N,*,H_out.
  auto input = ag::ones({2, 3, 4});
  nn::Linear linear(4, 2);
  std::cout << "linear_output.shape: " << ag::to_string(linear(input).sizes()) << "\n";

  // Sequential block->
  nn::Sequential block{nn::Linear(4, 2), nn::Sigmoid()};
  std::cout << block(input).sizes()[2] << " outputs per position\n" << block->repr() << "\n";

  // The network class, used on a sample input.
  MultilayerPerceptron model(5, 3);
  auto sample = ag::randn({2, 5});
  std::cout << model(sample) << "\n";

  // Procedure of optimizing: Adam lr 0.1, MSE loss, 10 epochs on a fixed target.
  ag::optim::Adam optimizer(model->parameters(), ag::optim::AdamOptions(1e-1));
  nn::MSELoss loss_function;
  auto xs = ag::randn({2, 5});
  auto ys = ag::rand({2, 5});
  for (int epoch = 0; epoch < 10; ++epoch) {
    optimizer.zero_grad();
    auto y_pred = model(xs);
    auto loss = loss_function(y_pred, ys);
    std::printf("Epoch %d: traing loss: %.4f\n", epoch, loss.item());
    loss.backward();
    optimizer.step();
  }
}
