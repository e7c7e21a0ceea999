#pragma once
// The one place daemon/ includes Boost.Asio (and its OpenSSL streams, for
// TLS links). <utility> comes first: Boost 1.74's awaitable.hpp uses
// std::exchange without including it (g++ 12).
#include <utility>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>

namespace ivy::daemon {
namespace asio = boost::asio;
namespace ssl = boost::asio::ssl;
using tcp = boost::asio::ip::tcp;
using udp = boost::asio::ip::udp;
using error_code = boost::system::error_code;

// SO_REUSEPORT, which Asio has no named option for (ivy-c sets it, §2.1).
using reuse_port = asio::detail::socket_option::boolean<SOL_SOCKET, SO_REUSEPORT>;
}  // namespace ivy::daemon
