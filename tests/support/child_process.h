#pragma once

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

extern char** environ;

namespace tt::test {

// A program running beside the test, stdin from /dev/null, stdout and stderr on pipes the test
// reads with deadlines (poll, never sleep), with this process's environment plus `environment`
// ("NAME=value" entries, each replacing a variable of the same name). The destructor ends it by
// its PID (SIGKILL) if it is still running and reaps it, so a failed test leaves nothing behind.
class ChildProcess {
public:
  explicit ChildProcess(const std::vector<std::string>& args,
                        const std::vector<std::string>& environment = {}) {
    int outPipe[2];
    int errPipe[2];
    if (pipe(outPipe) != 0) {
      throw std::runtime_error("pipe failed");
    }
    if (pipe(errPipe) != 0) {
      close(outPipe[0]);
      close(outPipe[1]);
      throw std::runtime_error("pipe failed");
    }
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&actions, outPipe[1], 1);
    posix_spawn_file_actions_adddup2(&actions, errPipe[1], 2);
    for (int fd : {outPipe[0], outPipe[1], errPipe[0], errPipe[1]}) {
      posix_spawn_file_actions_addclose(&actions, fd);
    }
    std::vector<char*> argv;
    for (const auto& a : args) {
      argv.push_back(const_cast<char*>(a.c_str()));
    }
    argv.push_back(nullptr);
    std::vector<char*> envp;
    for (char** e = environ; *e != nullptr; ++e) {
      const std::string_view entry(*e);
      const bool replaced = std::any_of(environment.begin(), environment.end(), [&](const auto& v) {
        return entry.substr(0, entry.find('=') + 1) == v.substr(0, v.find('=') + 1);
      });
      if (!replaced) {
        envp.push_back(*e);
      }
    }
    for (const auto& v : environment) {
      envp.push_back(const_cast<char*>(v.c_str()));
    }
    envp.push_back(nullptr);
    const int rc = posix_spawn(&pid_, argv[0], &actions, nullptr, argv.data(), envp.data());
    posix_spawn_file_actions_destroy(&actions);
    close(outPipe[1]);
    close(errPipe[1]);
    out_ = outPipe[0];
    err_ = errPipe[0];
    if (rc != 0) {
      pid_ = -1;
      closeFds();
      throw std::runtime_error("cannot start " + args.at(0));
    }
  }
  ~ChildProcess() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      int status = 0;
      waitpid(pid_, &status, 0);
    }
    closeFds();
  }
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }
  int signal(int signum) const { return pid_ > 0 ? kill(pid_, signum) : -1; }

  // The next line of stdout (or stderr) without its newline, or "" when none came within
  // `timeout` or the stream closed first.
  std::string readLine(std::chrono::milliseconds timeout, bool fromStderr = false) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    std::string& text = fromStderr ? err : out;
    while (true) {
      if (const auto nl = text.find('\n'); nl != std::string::npos) {
        std::string line = text.substr(0, nl);
        text.erase(0, nl + 1);
        return line;
      }
      if (!pump(deadline)) {
        return "";
      }
    }
  }

  // Reads stdout and stderr to their end and reaps the child, all before `timeout`. Returns
  // the exit status, 128 + the signal when a signal ended it, or -1 when it was still running
  // at the deadline (the destructor then kills it).
  int wait(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (out_ >= 0 || err_ >= 0) {
      if (!pump(deadline) && std::chrono::steady_clock::now() >= deadline) {
        return -1;
      }
    }
    int status = 0;
    if (pid_ <= 0 || waitpid(pid_, &status, 0) != pid_) {
      return -1;
    }
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }

  std::string out; // stdout read so far and not yet taken by readLine()
  std::string err; // stderr read so far and not yet taken by readLine(.., true)

private:
  // One poll until the deadline; appends what came. False when nothing more can come in time.
  bool pump(std::chrono::steady_clock::time_point deadline) {
    if (out_ < 0 && err_ < 0) {
      return false;
    }
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      return false;
    }
    pollfd fds[2] = {{out_, POLLIN, 0}, {err_, POLLIN, 0}};
    const int n = poll(fds, 2, static_cast<int>(left.count()));
    if (n <= 0) {
      return false;
    }
    int* owned[2] = {&out_, &err_};
    std::string* sinks[2] = {&out, &err};
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd >= 0 && (fds[i].revents & (POLLIN | POLLHUP | POLLERR)) != 0) {
        char buffer[4096];
        const ssize_t got = read(fds[i].fd, buffer, sizeof buffer);
        if (got <= 0) {
          close(*owned[i]);
          *owned[i] = -1;
        } else {
          sinks[i]->append(buffer, static_cast<size_t>(got));
        }
      }
    }
    return true;
  }
  void closeFds() {
    for (int* fd : {&out_, &err_}) {
      if (*fd >= 0) {
        close(*fd);
        *fd = -1;
      }
    }
  }

  pid_t pid_ = -1;
  int out_ = -1;
  int err_ = -1;
};

} // namespace tt::test
