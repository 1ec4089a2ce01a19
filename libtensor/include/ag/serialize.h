// ag::save / ag::load: libtorch's torch::save and torch::load for a module, an
// optimizer, a tensor or a list of tensors, written as allgrad checkpoints
// (ag/checkpoint.h): atomic, checksummed, readable by `allgrad inspect`.
//
//     ag::save(model, "model.agc");       // a holder, a shared_ptr<Module> or a Module&
//     ag::save(optimizer, "opt.agc");
//     ag::load(model, "model.agc");       // names and shapes checked against the model
//     ag::load(optimizer, "opt.agc");
//
// Departure from libtorch: the files are allgrad checkpoints, not TorchScript zip
// archives, so neither library reads the other's. A module goes in the section
// "model" and an optimizer in "optimizer", the sections a training checkpoint
// (TrainingRun, `allgrad train`) uses, so `ag::load(model, "runs/x/ckpt-000500.agc")`
// takes the weights out of a training checkpoint too. Tensors go in "tensors",
// named "0", "1", ... as libtorch numbers a saved tensor list.
#pragma once
#include <concepts>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "ag/nn/module.h"
#include "ag/nn/module_holder.h"
#include "ag/optim/optimizer.h"
#include "ag/tensor.h"

namespace ag {

/// Writes the module's state_dict() (parameters and persistent buffers by dotted
/// name) to `path` atomically: on failure the previous file is untouched and a
/// CheckpointError names the file.
void save(const nn::Module& module, const std::string& path);
/// Writes the optimizer's state (type, param groups and their hyperparameters, and
/// per parameter its step count and state tensors, by parameter name) to `path`.
void save(const optim::Optimizer& optimizer, const std::string& path);
/// Writes one tensor (its dtype, shape and values; not requires_grad) to `path`.
void save(const Tensor& tensor, const std::string& path);
/// Writes the tensors, in order, to `path`.
void save(const std::vector<Tensor>& tensors, const std::string& path);

/// The module held by a holder (`nn::Linear`, a user's AG_MODULE / TORCH_MODULE).
template <nn::detail::Holder H>
void save(const H& module, const std::string& path) {
  save(static_cast<const nn::Module&>(*module), path);
}
/// The module a shared_ptr points to.
template <std::derived_from<nn::Module> M>
void save(const std::shared_ptr<M>& module, const std::string& path) {
  if (!module) throw std::invalid_argument("ag::save: the module pointer for '" + path + "' is null");
  save(static_cast<const nn::Module&>(*module), path);
}

/// Copies the tensors of the file's "model" section into the module's parameters
/// and buffers in place (so optimizers holding them keep working), converting dtype.
/// Every name and shape is checked first; on a missing or unexpected key or a shape
/// difference a CheckpointError names the file and the keys, and the module is unchanged.
void load(nn::Module& module, const std::string& path);
/// Replaces the optimizer's state and hyperparameters with those of the file's
/// "optimizer" section. Throws CheckpointError naming the file and the first
/// difference (optimizer type, parameter names, shapes); the optimizer is then unchanged.
void load(optim::Optimizer& optimizer, const std::string& path);
/// Sets `tensor` to the one tensor saved in `path` (a new tensor: the old one's
/// memory is not written; departure from libtorch, which set_()s a defined tensor
/// in place). Throws CheckpointError when the file holds no tensor or several.
void load(Tensor& tensor, const std::string& path);
/// Replaces `tensors` with the tensors saved in `path`, in order.
void load(std::vector<Tensor>& tensors, const std::string& path);

/// Into the module a holder holds. A holder is a handle, so a const one loads too.
template <nn::detail::Holder H>
void load(const H& module, const std::string& path) {
  load(static_cast<nn::Module&>(*module.get()), path);
}
/// Into the module a shared_ptr points to.
template <std::derived_from<nn::Module> M>
void load(const std::shared_ptr<M>& module, const std::string& path) {
  if (!module) throw std::invalid_argument("ag::load: the module pointer for '" + path + "' is null");
  load(static_cast<nn::Module&>(*module), path);
}

}  // namespace ag
