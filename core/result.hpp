#pragma once
// Result<T, E>: a value or an error, for failures that are expected (bad input,
// a pattern that does not compile, a full disk). GCC 12 in C++20 mode has no
// std::expected and Boost 1.74 has no boost::system::result, so this is ours.
//
//   Result<int> parse(std::string_view s);
//   auto r = parse("12");
//   if (!r) log(r.error().message);
//   else use(*r);

#include <string>
#include <utility>
#include <variant>

namespace ivy {

// The default error: a human-readable message, and an optional numeric detail
// whose meaning the producing function documents (e.g. a PCRE2 error offset).
struct Error {
  std::string message;
  int code = 0;
};

template <class E>
struct Unexpected {
  E error;
};

inline Unexpected<Error> fail(std::string message, int code = 0) {
  return Unexpected<Error>{Error{std::move(message), code}};
}

template <class E>
Unexpected<E> fail_with(E error) {
  return Unexpected<E>{std::move(error)};
}

template <class T, class E = Error>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}
  Result(Unexpected<E> e) : v_(std::in_place_index<1>, std::move(e.error)) {}

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  const E& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, E> v_;
};

// Result<void>: success or an error.
template <class E>
class [[nodiscard]] Result<void, E> {
 public:
  Result() = default;
  Result(Unexpected<E> e) : error_(std::move(e.error)), ok_(false) {}

  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const E& error() const { return error_; }

 private:
  E error_{};
  bool ok_ = true;
};

using Status = Result<void>;

}  // namespace ivy
