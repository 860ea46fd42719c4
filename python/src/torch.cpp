// ranktopo._torch — ranktopo::torch (members-only c10d process groups, with
// the agreement step first) for Python. The groups handed out are torch's own
// Python ProcessGroup objects: this module is built against the libtorch that
// Python's torch uses, and pybind11 finds the classes torch._C registered.
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <pybind11/chrono.h>
#include <pybind11/functional.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>
#include <torch/csrc/utils/pybind.h>  // c10::intrusive_ptr as a pybind11 holder

#include "ranktopo/io.hpp"
#include "ranktopo/registry.hpp"
#include "ranktopo/torch.hpp"
#include "translate_errors.hpp"

namespace py = pybind11;

namespace {

using backend_type = ranktopo::torch::backend;
using registry_type = ranktopo::registry<backend_type>;

ranktopo::creation_mode parse_mode(const std::string& text) {
    if (text == "eager") return ranktopo::creation_mode::eager;
    if (text == "lazy") return ranktopo::creation_mode::lazy;
    if (text == "checked_lazy") return ranktopo::creation_mode::checked_lazy;
    throw ranktopo::config_error("ranktopo.torch.init",
                                 {{"mode", "mode '" + text + "' is not one of eager, lazy, checked_lazy"}});
}

/// One rank's process groups: the backend over the shared store and the registry.
class groups {
public:
    groups(const std::string& config_json, ranktopo::torch::store store, int rank, std::chrono::milliseconds timeout,
           std::optional<py::function> factory, const std::string& mode, bool vllm_groups, bool engine_checks,
           std::optional<ranktopo::torch::process_group> tp)
        : topology_(ranktopo::parse_config(config_json)), rank_(rank), registry_(parse_mode(mode)) {
        ranktopo::torch::factory make;
        if (factory) {
            // Shared so that the lambda's copies never touch Python's refcount without the GIL.
            auto callable = std::shared_ptr<py::function>(new py::function(std::move(*factory)), [](py::function* f) {
                const py::gil_scoped_acquire locked;
                delete f;
            });
            make = [callable](const ranktopo::torch::store& group_store, int rank_in_group, int group_size,
                              const ranktopo::creation_request& request) {
                const py::gil_scoped_acquire locked;
                py::object made = (*callable)(group_store, rank_in_group, group_size, std::string(request.name));
                return made.cast<ranktopo::torch::process_group>();
            };
        }
        backend_ = std::make_unique<backend_type>(std::move(store), rank, topology_.world_size, timeout, make);
        const py::gil_scoped_release unlocked;
        registry_.init(topology_, *backend_, rank, ranktopo::init_options{vllm_groups, engine_checks}, std::move(tp));
    }

    ranktopo::torch::process_group get(const std::string& accessor) {
        const py::gil_scoped_release unlocked;
        return registry_.get(accessor).handle;
    }

    std::optional<ranktopo::torch::process_group> try_get(const std::string& accessor) {
        const py::gil_scoped_release unlocked;
        if (auto found = registry_.try_get(accessor)) return found->handle;
        return std::nullopt;
    }

    py::tuple place(const std::string& accessor) {
        registry_type::group g = [&] {
            const py::gil_scoped_release unlocked;
            return registry_.get(accessor);
        }();
        return py::make_tuple(g.group, g.position, g.members.to_vector());
    }

    std::vector<std::string> accessors() const {
        std::vector<std::string> out;
        for (const ranktopo::bound_accessor& b : registry_.bound()) out.emplace_back(b.accessor);
        return out;
    }

    std::vector<std::string> creations() const {
        std::vector<std::string> out;
        for (const ranktopo::creation_info& c : registry_.creations()) out.push_back(c.name);
        return out;
    }

    void destroy() {
        const py::gil_scoped_release unlocked;
        registry_.destroy();
    }

    [[nodiscard]] bool initialized() const { return registry_.initialized(); }
    [[nodiscard]] int rank() const { return rank_; }
    [[nodiscard]] int world_size() const { return topology_.world_size; }
    [[nodiscard]] int created() const { return backend_->created(); }
    [[nodiscard]] int destroyed() const { return backend_->destroyed(); }

    ~groups() {
        const py::gil_scoped_release unlocked;
        try {
            registry_.destroy();
        } catch (...) {  // NOLINT(bugprone-empty-catch): a destructor must not throw
        }
    }

    groups(const groups&) = delete;
    groups& operator=(const groups&) = delete;

private:
    ranktopo::config topology_;
    int rank_;
    std::unique_ptr<backend_type> backend_;  // outlives registry_'s handles: destroyed after it
    registry_type registry_;
};

}  // namespace

PYBIND11_MODULE(_torch, m) {
    m.doc() = "ranktopo's PyTorch backend (internal: use ranktopo.torch).";
    py::module_::import("torch.distributed");  // registers Store and ProcessGroup with pybind11
    ranktopo_python::register_error_translator();

    py::class_<groups>(m, "Groups", "This rank's process groups (see ranktopo.torch.init).")
        .def(py::init<const std::string&, ranktopo::torch::store, int, std::chrono::milliseconds,
                      std::optional<py::function>, const std::string&, bool, bool,
                      std::optional<ranktopo::torch::process_group>>(),
             py::arg("config_json"), py::arg("store"), py::arg("rank"), py::arg("timeout"), py::arg("factory"),
             py::arg("mode"), py::arg("vllm_groups"), py::arg("engine_checks"), py::arg("tp_group"))
        .def("get", &groups::get, py::arg("accessor"),
             "The torch ProcessGroup of this rank's group for `accessor` (\"mc2\", \"mlp_tp\", ...; with "
             "vllm_groups also \"tp\", \"dp\", ...). Raises StateError for an accessor the config leaves unbound.")
        .def("try_get", &groups::try_get, py::arg("accessor"), "As get(), but None for an unbound accessor.")
        .def("place", &groups::place, py::arg("accessor"),
             "(group index, position, members) of this rank in `accessor`'s family.")
        .def("accessors", &groups::accessors, "The accessors this config binds.")
        .def("creations", &groups::creations, "The communicators' names, in creation order.")
        .def("destroy", &groups::destroy,
             "Destroys every group in vllm-ascend's teardown order, each once; init() may follow again.")
        .def_property_readonly("initialized", &groups::initialized)
        .def_property_readonly("rank", &groups::rank)
        .def_property_readonly("world_size", &groups::world_size)
        .def_property_readonly("created", &groups::created, "Process groups constructed so far.")
        .def_property_readonly("destroyed", &groups::destroyed, "Process groups released so far.");
}
