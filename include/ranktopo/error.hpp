// ranktopo — errors.
//
// Every exception ranktopo throws derives from ranktopo::error, so an engine
// can catch the whole library with one handler. Messages name the function,
// the option and the values involved.
#pragma once

#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace ranktopo {

/// Base of every exception thrown by ranktopo.
class error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// One reason a configuration cannot be served, with the option(s) it concerns.
struct problem {
    std::string option;   ///< the config key(s) at fault, e.g. "mlp_tensor_parallel_size"
    std::string message;  ///< a full sentence naming the option(s) and values
    friend bool operator==(const problem&, const problem&) = default;
};

/// A configuration that ranktopo (and the reference) cannot serve, or a
/// malformed configuration document. Carries every problem found; what()
/// holds the first, prefixed with the function that refused.
class config_error : public error {
public:
    config_error(const std::string& function, std::vector<problem> problems)
        : error(function + ": " + (problems.empty() ? std::string("invalid config") : problems.front().message)),
          problems_(std::move(problems)) {}

    [[nodiscard]] const std::vector<problem>& problems() const noexcept { return problems_; }

private:
    std::vector<problem> problems_;
};

/// A layout operation whose arguments do not fit the layout (a split that
/// does not divide, a family that is not a partition, too many modes).
class layout_error : public error {
public:
    using error::error;
};

/// A rank, group index or position outside the family or world it addresses.
class lookup_error : public error {
public:
    using error::error;
};

/// A call the registry's current state does not allow: get() before init(),
/// an accessor the config does not enable, init() with another config while
/// initialized.
class state_error : public error {
public:
    using error::error;
};

/// One backend call that failed: which creation, and what the backend said.
struct backend_failure {
    int creation = -1;    ///< index into plan::creations
    std::string name;     ///< the creation's name, e.g. "mlptp"
    std::string message;  ///< the backend's exception text
    friend bool operator==(const backend_failure&, const backend_failure&) = default;
};

/// A backend that failed to create or destroy communicators. Carries every
/// failure of the call (a rollback or destroy() attempts all handles);
/// what() names the function, the creation(s) and the backend's messages.
class backend_error : public error {
public:
    explicit backend_error(const std::string& what, std::vector<backend_failure> failures = {})
        : error(what), failures_(std::move(failures)) {}

    [[nodiscard]] const std::vector<backend_failure>& failures() const noexcept { return failures_; }

private:
    std::vector<backend_failure> failures_;
};

}  // namespace ranktopo
