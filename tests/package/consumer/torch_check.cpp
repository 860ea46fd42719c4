// Built only with the torch component: the installed header compiles against
// Torch, and the link pulls the backend and libtorch in (the address is
// taken, so the object file cannot be dropped).
#include <ranktopo/torch.hpp>

#include <cstdint>

std::uintptr_t ranktopo_torch_linked() {
    return reinterpret_cast<std::uintptr_t>(&ranktopo::torch::gloo_factory);
}
