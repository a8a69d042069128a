#include "core/precise_timer.h"

#include <sys/timerfd.h>
#include <unistd.h>

#include <cerrno>

namespace tt {

PreciseTimer::PreciseTimer(uv_loop_t& loop, Callback callback)
    : loop_(loop), callback_(std::move(callback)) {}

PreciseTimer::~PreciseTimer() {
  // close() must have run (and its callback) before destruction when the timer was opened.
  if (fd_ >= 0) {
    ::close(fd_);
  }
}

int PreciseTimer::init() {
  fd_ = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
  if (fd_ < 0) {
    return -errno;
  }
  const int rc = uv_poll_init(&loop_, &poll_, fd_);
  if (rc != 0) {
    ::close(fd_);
    fd_ = -1;
    return rc;
  }
  poll_.data = this;
  state_ = State::Open;
  return 0;
}

void PreciseTimer::armAt(int64_t deadlineNs) {
  if (state_ != State::Open) {
    return;
  }
  itimerspec spec{};
  // A zero it_value disarms a timerfd, so a deadline at or before 0 becomes 1 ns.
  const int64_t ns = deadlineNs > 0 ? deadlineNs : 1;
  spec.it_value.tv_sec = ns / 1'000'000'000;
  spec.it_value.tv_nsec = ns % 1'000'000'000;
  timerfd_settime(fd_, TFD_TIMER_ABSTIME, &spec, nullptr);
  if (!armed_) {
    uv_poll_start(&poll_, UV_READABLE, &PreciseTimer::onPoll);
    armed_ = true;
  }
}

void PreciseTimer::disarm() {
  // Not armed: never set, or fired (a one-shot timerfd disarms itself), or disarmed already.
  if (state_ != State::Open || !armed_) {
    return;
  }
  itimerspec spec{};
  timerfd_settime(fd_, 0, &spec, nullptr);
  uv_poll_stop(&poll_);
  armed_ = false;
}

void PreciseTimer::close() {
  if (state_ != State::Open) {
    if (state_ == State::Unused) {
      state_ = State::Closed;
    }
    return;
  }
  disarm();
  state_ = State::Closing;
  uv_close(reinterpret_cast<uv_handle_t*>(&poll_), &PreciseTimer::onClose);
}

void PreciseTimer::onClose(uv_handle_t* handle) {
  auto* self = static_cast<PreciseTimer*>(handle->data);
  ::close(self->fd_);
  self->fd_ = -1;
  self->state_ = State::Closed;
}

void PreciseTimer::onPoll(uv_poll_t* handle, int status, int /*events*/) {
  auto* self = static_cast<PreciseTimer*>(handle->data);
  uint64_t expirations = 0;
  const ssize_t n = ::read(self->fd_, &expirations, sizeof expirations);
  if (status < 0 || n != static_cast<ssize_t>(sizeof expirations)) {
    return; // spurious wake-up: the deadline has not passed
  }
  uv_poll_stop(&self->poll_);
  self->armed_ = false;
  self->callback_();
}

} // namespace tt
