// Parameters → buckets. See Note [Bucket order] in ag/dist/ddp.h.
#include "ag/dist/ddp.h"

namespace ag::dist {

std::vector<BucketSpec> plan_buckets(const NamedTensors& params, size_t cap_bytes) {
  std::vector<BucketSpec> plan;
  for (size_t k = params.size(); k-- > 0;) {
    const Tensor& p = params[k].second;
    size_t bytes = static_cast<size_t>(p.numel()) * p.element_size();
    bool fits = !plan.empty() && plan.back().dtype == p.dtype() &&
                static_cast<size_t>(plan.back().numel) * p.element_size() + bytes <= cap_bytes;
    if (!fits) {
      plan.emplace_back();
      plan.back().dtype = p.dtype();
    }
    BucketSpec& b = plan.back();
    b.params.push_back(k);
    b.offsets.push_back(b.numel);
    b.numel += p.numel();
  }
  return plan;
}

}  // namespace ag::dist
