// A stand-in for libFuzzer where a target cannot be built with it: replays
// the inputs given as arguments, then runs pseudo-random mutations of them
// (bytes flipped, inserted, erased or repeated, pieces of other inputs
// spliced in), a few stacked at a time, for DRPILOT_MUTATE_RUNS runs (default
// 200000) from seed DRPILOT_MUTATE_SEED (default 1). Without coverage
// feedback it is shallower than libFuzzer, but it is deterministic and needs
// no clang. A crash (a trap, an abort, a bad access) leaves its input in
// ./crash-mutate.

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <random>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

using Input = std::vector<std::uint8_t>;

const Input* g_current = nullptr;  // the input being run, for the crash handler

// Saves the input that crashed, then dies of the same signal.
void on_crash(int sig) {
  if (g_current) {
    const int fd = ::open("crash-mutate", O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0) {
      [[maybe_unused]] const ssize_t n = ::write(fd, g_current->data(), g_current->size());
      ::close(fd);
    }
    static const char kMessage[] = "mutate: crashed; the input is in ./crash-mutate\n";
    [[maybe_unused]] const ssize_t n = ::write(2, kMessage, sizeof kMessage - 1);
  }
  std::signal(sig, SIG_DFL);
  std::raise(sig);
}

long env_number(const char* name, long fallback) {
  const char* v = std::getenv(name);
  return v && *v ? std::strtol(v, nullptr, 10) : fallback;
}

void mutate(Input& in, const std::vector<Input>& corpus, std::mt19937_64& rng) {
  auto below = [&](std::size_t n) { return n == 0 ? 0 : static_cast<std::size_t>(rng() % n); };
  switch (rng() % 6) {
    case 0:  // flip a bit
      if (!in.empty()) in[below(in.size())] ^= static_cast<std::uint8_t>(1u << (rng() % 8));
      break;
    case 1:  // a random byte in
      in.insert(in.begin() + below(in.size() + 1), static_cast<std::uint8_t>(rng()));
      break;
    case 2:  // a piece out
      if (!in.empty()) {
        const std::size_t at = below(in.size()),
                          n = 1 + below(std::min<std::size_t>(16, in.size() - at));
        in.erase(in.begin() + at, in.begin() + at + n);
      }
      break;
    case 3:  // a piece repeated
      if (!in.empty()) {
        const std::size_t at = below(in.size()),
                          n = 1 + below(std::min<std::size_t>(32, in.size() - at));
        const Input piece(in.begin() + at, in.begin() + at + n);
        in.insert(in.begin() + below(in.size() + 1), piece.begin(), piece.end());
      }
      break;
    case 4:  // a piece of another input spliced in
    case 5: {
      const Input& other = corpus[below(corpus.size())];
      if (other.empty()) break;
      const std::size_t at = below(other.size()),
                        n = 1 + below(std::min<std::size_t>(48, other.size() - at));
      in.insert(in.begin() + below(in.size() + 1), other.begin() + at, other.begin() + at + n);
      break;
    }
  }
  if (in.size() > 8192) in.resize(8192);
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<Input> corpus;
  for (int i = 1; i < argc; ++i) {
    std::ifstream file(argv[i], std::ios::binary);
    if (!file) {
      std::fprintf(stderr, "mutate: cannot read %s\n", argv[i]);
      return 1;
    }
    corpus.emplace_back((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
    LLVMFuzzerTestOneInput(corpus.back().data(), corpus.back().size());
  }
  if (corpus.empty()) {
    std::fprintf(stderr, "usage: %s INPUT...\n", argv[0]);
    return 1;
  }
  for (int sig : {SIGILL, SIGABRT, SIGSEGV, SIGBUS, SIGFPE}) std::signal(sig, on_crash);
  const long runs = env_number("DRPILOT_MUTATE_RUNS", 200000);
  std::mt19937_64 rng(static_cast<std::uint64_t>(env_number("DRPILOT_MUTATE_SEED", 1)));
  for (long run = 0; run < runs; ++run) {
    Input in = corpus[rng() % corpus.size()];
    for (int k = 1 + static_cast<int>(rng() % 8); k > 0; --k) mutate(in, corpus, rng);
    g_current = &in;
    LLVMFuzzerTestOneInput(in.data(), in.size());
  }
  g_current = nullptr;
  std::printf("mutate: %zu inputs and %ld mutations ran without a crash\n", corpus.size(), runs);
  return 0;
}
