// poll and read on a pipe, with a managed object's fields as their arguments
// (the descriptor, the timeout, the number of bytes to read). A writer makes
// managed items, files them in a table and writes their indices into the
// pipe; the reader polls, reads the indices and adds up the items it finds
// in the table.
#include "idiom.h"

#include <cerrno>
#include <poll.h>
#include <thread>
#include <unistd.h>
#include <vector>

namespace {

constexpr int items = 600;

struct Channel : stm::object {
  long read_fd = -1;
  long write_fd = -1;
  long timeout_ms = 50;
  long chunk_bytes = 3 * sizeof(int);
};

std::vector<idiom::Item *> table(items, nullptr);

void write_indices(Channel *channel) {
  for (int i = 0; i < items; ++i) {
    table[i] = stm::make<idiom::Item>(i);
    idiom::churn(5);
    int index = i;
    if (write(static_cast<int>(channel->write_fd), &index, sizeof(index)) != sizeof(index))
      std::perror("write");
  }
  close(static_cast<int>(channel->write_fd));
}

void read_indices(Channel *channel, idiom::Tally *tally) {
  pollfd wanted{static_cast<int>(channel->read_fd), POLLIN, 0};
  int buffer[8];
  std::size_t pending = 0; // bytes of a partly read index
  for (;;) {
    int ready = poll(&wanted, 1, static_cast<int>(channel->timeout_ms));
    if (ready < 0 && errno != EINTR)
      std::perror("poll");
    if (ready <= 0)
      continue;
    ssize_t got =
        read(static_cast<int>(channel->read_fd), reinterpret_cast<char *>(buffer) + pending,
             static_cast<std::size_t>(channel->chunk_bytes) - pending);
    if (got == 0)
      return;
    if (got < 0) {
      std::perror("read");
      return;
    }
    pending += static_cast<std::size_t>(got);
    std::size_t whole = pending / sizeof(int);
    for (std::size_t k = 0; k < whole; ++k)
      tally->add(table[buffer[k]]);
    pending -= whole * sizeof(int);
    if (pending != 0)
      buffer[0] = buffer[whole];
  }
}

} // namespace

int main() {
  int fds[2];
  if (pipe(fds) != 0) {
    std::perror("pipe");
    return 1;
  }
  Channel *channel = stm::make<Channel>();
  channel->read_fd = fds[0];
  channel->write_fd = fds[1];
  idiom::Tally *tally = stm::make<idiom::Tally>();
  std::thread reader(read_indices, channel, tally);
  std::thread writer(write_indices, channel);
  writer.join();
  reader.join();
  close(fds[0]);
  idiom::report("threads", tally);
  idiom::report_collections();
}
