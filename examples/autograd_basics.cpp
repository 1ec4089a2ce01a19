// The seed notes' "Tensor" and "Auto Grad" sections in C++. Prints the same
// numbers as the Python: 12, then 24.
#include <iostream>

#include <ag/ag.h>

int main(int argc, char** argv) {
  ag::ensure_best_blas_kernels(argc, argv);

  // Doing sections returns a smaller tensor even if it's only one number; item() extracts it.
  auto t = ag::tensor({{1., 2.}, {3., 4.}});
  std::cout << t[1][0] << " -> " << t[1][0].item() << "\n";

  auto x = ag::tensor({2.}, ag::requires_grad());
  auto y = x * x * 3;  // y = f(x) = 3x^2, also a tensor
  y.backward();
  std::cout << x.grad() << "\n";  // tensor([12.])

  x.mutable_grad().reset();  // x.grad = None
  auto z = x * x * 3;
  z.backward();  // passes gradient 12 to x
  y = x * x * 3;  // the first y's graph was freed by its backward
  y.backward();  // passes gradient 12 to x
  std::cout << x.grad() << "\n";  // tensor([24.]) = 12 + 12
}
