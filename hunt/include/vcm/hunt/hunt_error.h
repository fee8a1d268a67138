// Raised for a hunt that cannot be run, a shard spec, a hunt database or a merge that cannot be used; the message
// names the option or file and what was expected.
#pragma once

#include <stdexcept>

namespace vcm::hunt {

class HuntError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

} // namespace vcm::hunt
