// ranktopo's C++ exceptions as the Python classes of ranktopo/_errors.py:
// config_error -> ConfigError (a ValueError, with .problems), lookup_error ->
// RankLookupError (an IndexError), agreement_error -> AgreementError and
// backend_error -> BackendError (RuntimeErrors), state_error -> StateError,
// any other ranktopo::error -> Error. The message is what() unchanged.
#pragma once

#include <exception>
#include <string>

#include <pybind11/pybind11.h>

#include "ranktopo/agreement.hpp"
#include "ranktopo/error.hpp"

namespace ranktopo_python {

namespace detail {

inline void raise(const char* class_name, const pybind11::object& instance_or_message) {
    const pybind11::object cls = pybind11::module_::import("ranktopo._errors").attr(class_name);
    const pybind11::object instance = cls(instance_or_message);
    PyErr_SetObject(cls.ptr(), instance.ptr());
}

}  // namespace detail

inline void register_error_translator() {
    namespace py = pybind11;
    py::register_exception_translator([](std::exception_ptr thrown) {
        if (!thrown) return;
        try {
            std::rethrow_exception(thrown);
        } catch (const ranktopo::config_error& e) {
            py::list problems;
            for (const ranktopo::problem& p : e.problems()) problems.append(py::make_tuple(p.option, p.message));
            const py::object cls = py::module_::import("ranktopo._errors").attr("ConfigError");
            const py::object instance = cls(e.what(), problems);
            PyErr_SetObject(cls.ptr(), instance.ptr());
        } catch (const ranktopo::agreement_error& e) {
            const py::object cls = py::module_::import("ranktopo._errors").attr("AgreementError");
            const py::object instance = cls(e.what(), e.option());
            PyErr_SetObject(cls.ptr(), instance.ptr());
        } catch (const ranktopo::backend_error& e) {
            py::list failures;
            for (const ranktopo::backend_failure& f : e.failures())
                failures.append(py::make_tuple(f.creation, f.name, f.message));
            const py::object cls = py::module_::import("ranktopo._errors").attr("BackendError");
            const py::object instance = cls(e.what(), failures);
            PyErr_SetObject(cls.ptr(), instance.ptr());
        } catch (const ranktopo::lookup_error& e) {
            detail::raise("RankLookupError", py::str(e.what()));
        } catch (const ranktopo::state_error& e) {
            detail::raise("StateError", py::str(e.what()));
        } catch (const ranktopo::error& e) {
            detail::raise("Error", py::str(e.what()));
        }
    });
}

}  // namespace ranktopo_python
