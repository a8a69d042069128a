#include "tune/launched_server.h"

#include "core/clock.h"
#include "core/url.h"
#include "replay/preflight.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <deque>
#include <fstream>
#include <thread>

extern char** environ;

namespace tt::tune {
namespace {

std::string replaced(std::string text, const std::string& what, const std::string& with) {
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at)) {
    text.replace(at, what.size(), with);
    at += with.size();
  }
  return text;
}

// Waits up to `timeout` for `pid` to exit; true when it did.
bool reaped(pid_t pid, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    int status = 0;
    const pid_t r = waitpid(pid, &status, WNOHANG);
    if (r == pid || r < 0) {
      return true;
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20)); // a poll on another process
  }
}

} // namespace

std::string fillLaunchTemplate(const std::string& command, int port, const std::string& flags) {
  return replaced(replaced(command, "{port}", std::to_string(port)), "{flags}", flags);
}

std::string shellQuoted(const std::string& text) {
  return "'" + replaced(text, "'", "'\\''") + "'";
}

int freeLoopbackPort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t size = sizeof address;
  int port = 0;
  if (fd >= 0 && bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&address), &size) == 0) {
    port = ntohs(address.sin_port);
  }
  if (fd >= 0) {
    close(fd);
  }
  if (port == 0) {
    throw LaunchError("cannot find a free port on 127.0.0.1");
  }
  return port;
}

std::string tailOf(const std::string& path, int lines) {
  std::ifstream in(path);
  std::deque<std::string> last;
  for (std::string line; std::getline(in, line);) {
    last.push_back(line);
    if (static_cast<int>(last.size()) > lines) {
      last.pop_front();
    }
  }
  std::string text;
  for (const auto& line : last) {
    text += "\n  | " + line;
  }
  return text;
}

LaunchedServer::LaunchedServer(const std::string& command, const std::string& flags,
                               const std::string& logPath, std::chrono::seconds healthTimeout)
    : port_(freeLoopbackPort()), command_(fillLaunchTemplate(command, port_, flags)),
      logPath_(logPath) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, logPath_.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                   0600);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  // `exec`: the shell becomes the server, so that its PID is the server's. It stays in our
  // process group, so that Ctrl-C at a terminal reaches it as it reaches us.
  const std::string shellCommand = "exec " + command_;
  const char* argv[] = {"/bin/sh", "-c", shellCommand.c_str(), nullptr};
  const int rc =
      posix_spawn(&pid_, "/bin/sh", &actions, nullptr, const_cast<char* const*>(argv), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    pid_ = -1;
    throw LaunchError("cannot run /bin/sh for '" + command_ + "'");
  }

  HttpUrl url;
  url.host = "127.0.0.1";
  url.port = static_cast<uint16_t>(port_);
  sockaddr_storage address{};
  std::string error;
  replay::resolveTarget(url, address, error);
  const MonotonicClock clock;
  const auto deadline = std::chrono::steady_clock::now() + healthTimeout;
  while (true) {
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      throw LaunchError("the server exited before it was healthy (" +
                        std::string(WIFEXITED(status)
                                        ? "status " + std::to_string(WEXITSTATUS(status))
                                        : "signal " + std::to_string(WTERMSIG(status))) +
                        "): " + command_ + tailOf(logPath_, 10));
    }
    const Exchange health = replay::fetchOnce(url, address, clock, "GET", "/health", "", 1'000);
    if (health.status == 200) {
      return;
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      stop();
      throw LaunchError("the server did not answer GET /health with 200 within " +
                        std::to_string(healthTimeout.count()) + " s: " + command_ +
                        tailOf(logPath_, 10));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100)); // polling another process
  }
}

LaunchedServer::~LaunchedServer() {
  stop();
}

bool LaunchedServer::stop() {
  if (pid_ <= 0) {
    return true;
  }
  kill(pid_, SIGTERM);
  const bool clean = reaped(pid_, std::chrono::seconds(10));
  if (!clean) {
    kill(pid_, SIGKILL);
    reaped(pid_, std::chrono::seconds(10));
  }
  pid_ = -1;
  return clean;
}

} // namespace tt::tune
