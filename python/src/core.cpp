// ranktopo._core — the C++ library for Python (pybind11). The Pythonic layer
// (Config, keyword checks, the error classes) is python/ranktopo/__init__.py;
// this module takes and returns configs as the JSON text of io.hpp, so every
// refusal is the C++ one, with the same message as the tool's.
#include <cstdint>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "ranktopo/agreement.hpp"
#include "ranktopo/deployment.hpp"
#include "ranktopo/diff.hpp"
#include "ranktopo/error.hpp"
#include "ranktopo/families.hpp"
#include "ranktopo/fingerprint.hpp"
#include "ranktopo/io.hpp"
#include "ranktopo/lint.hpp"
#include "ranktopo/named_families.hpp"
#include "ranktopo/nearest.hpp"
#include "ranktopo/plan.hpp"
#include "ranktopo/release.hpp"
#include "ranktopo/version.hpp"
#include "translate_errors.hpp"

namespace py = pybind11;

namespace {

/// A plan shared by its Creation objects, which stay valid after the Plan goes.
struct py_plan {
    std::shared_ptr<const ranktopo::plan> p;
};

struct py_creation {
    std::shared_ptr<const ranktopo::plan> p;
    std::size_t index = 0;

    [[nodiscard]] const ranktopo::creation& get() const { return p->creations[index]; }
};

std::string_view domain_name(ranktopo::option_domain d) {
    switch (d) {
        case ranktopo::option_domain::boolean: return "bool";
        case ranktopo::option_domain::version: return "str";
        default: return "int";
    }
}

/// Every option of config.hpp's table: (name, type, default, help, minimum).
py::list option_table() {
    const ranktopo::config defaults;
    py::list out;
    for (const ranktopo::option_info& o : ranktopo::options) {
        py::object value;
        int minimum = 0;
        if (o.version != nullptr) {
            value = py::str(std::string((defaults.*o.version).version()));
        } else if (o.boolean != nullptr) {
            value = py::bool_(defaults.*o.boolean);
        } else {
            value = py::int_(defaults.*o.integer);
            minimum = o.domain == ranktopo::option_domain::positive ||
                              o.domain == ranktopo::option_domain::required_positive
                          ? 1
                          : 0;
        }
        py::dict entry;
        entry["name"] = std::string(o.name);
        entry["type"] = std::string(domain_name(o.domain));
        entry["default"] = value;
        entry["help"] = std::string(o.help);
        entry["minimum"] = minimum;
        entry["required"] = o.domain == ranktopo::option_domain::required_positive;
        out.append(entry);
    }
    return out;
}

ranktopo::plan plan_of(const std::string& config_json) {
    return ranktopo::make_plan(ranktopo::parse_config(config_json));
}

std::string plan_json(const ranktopo::plan& p) {
    std::ostringstream out;
    ranktopo::write_plan_json(out, p);
    return out.str();
}

// --- diff and lint: the tool's --format json documents ----------------------

/// `ranktopo diff --format json` of two configs' plans.
std::string diff_json(const std::string& before_json, const std::string& after_json) {
    return ranktopo::diff_to_json(plan_of(before_json), plan_of(after_json));
}

/// `ranktopo lint --format json`.
std::string lint_json(const std::string& config_json, int ranks_per_node) {
    return ranktopo::lint_to_json(ranktopo::lint(ranktopo::parse_config(config_json), ranks_per_node));
}

// --- creations --------------------------------------------------------------

py::list group_ranks(const py_creation& c) {
    const ranktopo::family& f = c.get().groups;
    const std::vector<int> all = f.ranks();
    const auto size = static_cast<std::size_t>(f.group_size());
    py::list out(static_cast<std::size_t>(f.group_count()));
    for (std::size_t g = 0; g < out.size(); ++g) {
        py::list members(size);
        for (std::size_t i = 0; i < size; ++i) {
            PyObject* rank = PyLong_FromLong(all[g * size + i]);
            if (rank == nullptr) throw py::error_already_set();
            PyList_SET_ITEM(members.ptr(), static_cast<Py_ssize_t>(i), rank);  // steals the reference
        }
        out[g] = std::move(members);
    }
    return out;
}

py::array_t<std::int64_t> ranks_array(const py_creation& c) {
    const ranktopo::family& f = c.get().groups;
    py::array_t<std::int64_t> out(
        {static_cast<py::ssize_t>(f.group_count()), static_cast<py::ssize_t>(f.group_size())});
    std::int64_t* data = out.mutable_data();
    const auto count = static_cast<std::size_t>(f.world_size());
    {
        py::gil_scoped_release unlocked;
        f.write(std::span<std::int64_t>(data, count));
    }
    return out;
}

py::tuple locate(const py_creation& c, std::int64_t rank) {
    const ranktopo::family& f = c.get().groups;
    if (rank < 0 || rank >= f.world_size()) {
        throw ranktopo::lookup_error("Creation.locate: rank " + std::to_string(rank) + " is outside " + c.get().name +
                                     "'s world of " + std::to_string(f.world_size()) + " ranks");
    }
    const ranktopo::location at = f.locate(static_cast<int>(rank));
    return py::make_tuple(at.group, at.position);
}

py::dict handles(const py_plan& p) {
    py::dict out;
    for (std::size_t a = 0; a < ranktopo::accessor_count; ++a) {
        const ranktopo::binding& b = p.p->handles[a];
        const std::string key(ranktopo::accessor_names[a]);
        if (b.source == ranktopo::binding::kind::created) out[py::str(key)] = b.creation;
        if (b.source == ranktopo::binding::kind::borrowed_tp) out[py::str(key)] = "borrowed:tp";
    }
    return out;
}

py::tuple read_deployment(const std::vector<std::string>& vllm_args, const std::string& additional_config,
                          const std::string& kv_transfer_config,
                          const std::vector<std::pair<std::string, std::string>>& env, const std::string& model_config,
                          const std::optional<std::string>& release) {
    ranktopo::deployment d;
    d.vllm_args = vllm_args;
    d.additional_config = additional_config;
    d.kv_transfer_config = kv_transfer_config;
    d.env = env;
    d.model_config = model_config;
    if (release) d.vllm_ascend_version = ranktopo::parse_release(*release, "ranktopo.read_deployment");
    const ranktopo::derived_config derived = ranktopo::read_deployment(d);
    const auto pairs = [](const std::vector<ranktopo::option_source>& list) {
        py::list out;
        for (const ranktopo::option_source& s : list) out.append(py::make_tuple(s.option, s.source));
        return out;
    };
    return py::make_tuple(ranktopo::to_json(derived.values), pairs(derived.sources), derived.warnings,
                          pairs(derived.model_facts), pairs(derived.ignored), pairs(derived.skipped));
}

}  // namespace

PYBIND11_MODULE(_core, m) {
    m.doc() = "ranktopo's C++ core (internal: use the ranktopo package).";
    ranktopo_python::register_error_translator();

    m.attr("__version__") = ranktopo::version_string;
    m.def("options", &option_table, "Every config option: name, type, default, help, minimum, required.");
    m.def(
        "releases",
        [] {
            std::vector<std::string> out;
            for (const ranktopo::release_info& r : ranktopo::releases) out.emplace_back(r.version);
            return out;
        },
        "The accepted vllm-ascend releases, oldest first.");
    m.def(
        "latest_release", [] { return std::string(ranktopo::latest_release); }, "What 'latest' means.");
    m.def(
        "nearest_option",
        [](const std::string& text) -> std::optional<std::string> {
            std::vector<std::string_view> names;
            for (const ranktopo::option_info& o : ranktopo::options) names.push_back(o.name);
            if (auto found = ranktopo::nearest_name(text, names)) return std::string(*found);
            return std::nullopt;
        },
        "The option nearest to a misspelt name, or None.");
    m.def(
        "normalize", [](const std::string& text) { return ranktopo::to_json(ranktopo::parse_config(text)); },
        "The config of a JSON object as JSON with every key of its release (ranktopo::parse_config, to_json).");
    m.def(
        "problems",
        [](const std::string& text) {
            std::vector<std::pair<std::string, std::string>> out;
            for (const ranktopo::problem& p : ranktopo::validate(ranktopo::parse_config(text)))
                out.emplace_back(p.option, p.message);
            return out;
        },
        "Every reason the reference cannot serve the config, as (option, message).");
    m.def("diff_json", &diff_json, "ranktopo diff --format json of two configs (JSON texts).");
    m.def("lint_json", &lint_json, "ranktopo lint --format json of a config (JSON text).");
    m.def(
        "global_rank",
        [](const std::string& text, int data_parallel_index, int rank_in_group) {
            return ranktopo::global_rank(ranktopo::parse_config(text), data_parallel_index, rank_in_group);
        },
        "vllm-ascend's get_global_rank.");
    m.def("split_args", &ranktopo::split_args, "Splits a command line as a POSIX shell does.");
    m.def("read_deployment", &read_deployment,
          "ranktopo::read_deployment: (config JSON, sources, warnings, model facts, ignored, skipped).");

    py::class_<py_creation>(m, "Creation", R"doc(One communicator the plan creates, in creation order.

    name        -- the group_name passed to init_model_parallel_group ("mc2", "p_tp_0")
    num_groups  -- how many groups the family has
    group_size  -- the ranks in each group
    group_ranks -- every group as a list of ranks (vLLM's group_ranks argument)
    ranks()     -- the same as a numpy int64 array of shape (num_groups, group_size)
    locate(r)   -- (group, position) of rank r)doc")
        .def_property_readonly(
            "name", [](const py_creation& c) { return c.get().name; }, "The group_name the reference passes.")
        .def_property_readonly(
            "num_groups", [](const py_creation& c) { return c.get().groups.group_count(); }, "Number of groups.")
        .def_property_readonly(
            "group_size", [](const py_creation& c) { return c.get().groups.group_size(); }, "Ranks per group.")
        .def_property_readonly("group_ranks", &group_ranks,
                               "Every group as a list of ranks: the group_ranks argument of vLLM's "
                               "init_model_parallel_group. Builds a Python int per rank; ranks() does not.")
        .def_property_readonly(
            "layout", [](const py_creation& c) { return c.get().groups.describe(); },
            "The family as layout modes: \"(2:8),(4:1) | (2:4)\" (group modes | member modes).")
        .def("ranks", &ranks_array,
             "Every group as a numpy int64 array of shape (num_groups, group_size), written by the C++ "
             "enumeration in one pass (no Python object per rank).")
        .def("locate", &locate, py::arg("rank"),
             "(group, position) of `rank`: its group's index and its place there. Raises ranktopo.RankLookupError "
             "(an IndexError) for a rank outside the world.")
        .def("__repr__", [](const py_creation& c) {
            return "<ranktopo.Creation " + c.get().name + ": " + std::to_string(c.get().groups.group_count()) +
                   " groups of " + std::to_string(c.get().groups.group_size()) + ">";
        });

    py::class_<py_plan>(m, "Plan", R"doc(The communicators vllm-ascend's init_ascend_model_parallel creates.

    creations     -- list of Creation, in creation order
    handles       -- accessor -> creation index, or "borrowed:tp" (the engine's own TP group)
    destroy_order -- creation indices in destroy_ascend_model_parallel's order, each once
    fingerprint   -- 16 hex digits, as `ranktopo plan --fingerprint`
    to_json()     -- exactly the bytes `ranktopo plan` prints)doc")
        .def_property_readonly(
            "creations",
            [](const py_plan& p) {
                std::vector<py_creation> out;
                for (std::size_t i = 0; i < p.p->creations.size(); ++i) out.push_back({p.p, i});
                return out;
            },
            "Every creation, in creation order.")
        .def_property_readonly("handles", &handles,
                               "Accessor -> index into creations, or \"borrowed:tp\"; only the accessors the "
                               "config binds.")
        .def_property_readonly(
            "destroy_order", [](const py_plan& p) { return p.p->destroy_order; },
            "Indices into creations in teardown order, each once.")
        .def_property_readonly(
            "fingerprint", [](const py_plan& p) { return ranktopo::fingerprint_text(ranktopo::fingerprint(*p.p)); },
            "The plan's fingerprint: 16 lower-case hex digits of FNV-1a 64.")
        .def(
            "to_json", [](const py_plan& p) { return plan_json(*p.p); },
            "The plan as JSON: exactly the bytes `ranktopo plan` prints.")
        .def(
            "_config_json", [](const py_plan& p) { return ranktopo::to_json(p.p->topology); },
            "The plan's config as JSON.")
        .def("__len__", [](const py_plan& p) { return p.p->creations.size(); });

    m.def(
        "make_plan",
        [](const std::string& config_json) {
            return py_plan{std::make_shared<const ranktopo::plan>(plan_of(config_json))};
        },
        "The plan of a config given as JSON text.");
}
