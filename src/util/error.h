// Error types and invariant checks shared by every module.
//
// User-facing failures throw: UsageError for a bad flag or value (the CLI exits 2
// and prints usage), Error for anything that went wrong at run time (exit 1, one
// line naming the file, line and field at fault). Internal invariants use
// ANIREC_ASSERT, which aborts with file:line: they are bugs, not user errors.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <stdexcept>
#include <string>

namespace anirec {

// Concatenates anything printable into one string: cat("line ", 3, ": bad id").
template <typename... Args>
std::string cat(const Args&... args) {
    std::ostringstream os;
    (os << ... << args);
    return os.str();
}

class Error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

class UsageError : public std::invalid_argument {
public:
    using std::invalid_argument::invalid_argument;
};

}  // namespace anirec

#define ANIREC_ASSERT(cond)                                                                   \
    do {                                                                                      \
        if (!(cond)) {                                                                        \
            std::fprintf(stderr, "%s:%d: internal error: assertion failed: %s\n", __FILE__, \
                         __LINE__, #cond);                                                    \
            std::abort();                                                                     \
        }                                                                                     \
    } while (0)
