// A stand-in for libFuzzer where a target cannot be built with it: replays
// the inputs it is given, then runs pseudo-random mutations of them (bytes
// flipped, inserted, erased or repeated, pieces of other inputs spliced in),
// a few stacked at a time. Without coverage feedback it is shallower than
// libFuzzer, but it is deterministic and needs no clang.
//
// Its command line is a subset of libFuzzer's, so tests/fuzz/run-fuzzer runs
// both alike:
//   -runs=N             mutations to run (-1: no limit; default 200000, or no
//                       limit with -max_total_time)
//   -max_total_time=S   stop after S seconds (default: no limit)
//   -seed=N             the first seed (default 1)
//   -artifact_prefix=P  a crash leaves its input in P + "crash-mutate"
//                       (default ./crash-mutate)
// Other -flags are ignored; every other argument is an input file or a
// directory of inputs. At the end it prints libFuzzer's executions line.

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <string_view>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

using Input = std::vector<std::uint8_t>;

const Input* g_current = nullptr;  // the input being run, for the crash handler
std::string g_crash_path = "crash-mutate";

// Saves the input that crashed, then dies of the same signal.
void on_crash(int sig) {
  if (g_current) {
    const int fd = ::open(g_crash_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0) {
      [[maybe_unused]] const ssize_t n = ::write(fd, g_current->data(), g_current->size());
      ::close(fd);
    }
    static const char kMessage[] = "mutate: crashed; the input is in ";
    [[maybe_unused]] ssize_t n = ::write(2, kMessage, sizeof kMessage - 1);
    n = ::write(2, g_crash_path.data(), g_crash_path.size());
    n = ::write(2, "\n", 1);
  }
  std::signal(sig, SIG_DFL);
  std::raise(sig);
}

struct Options {
  long runs = 200000;
  long seconds = 0;  // 0: no limit
  long seed = 1;
  std::vector<std::string> inputs;  // files and directories
};

// The value of `-name=value` in `arg`, if that is the flag.
bool flag(std::string_view arg, std::string_view name, long& value) {
  if (arg.size() <= name.size() + 2 || arg.substr(1, name.size()) != name ||
      arg[name.size() + 1] != '=') {
    return false;
  }
  value = std::strtol(std::string(arg.substr(name.size() + 2)).c_str(), nullptr, 10);
  return true;
}

Options parse(int argc, char** argv) {
  Options o;
  bool runs_given = false;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg.empty() || arg[0] != '-') {
      o.inputs.emplace_back(arg);
    } else if (arg.rfind("-artifact_prefix=", 0) == 0) {
      g_crash_path = std::string(arg.substr(17)) + "crash-mutate";
    } else if (flag(arg, "runs", o.runs)) {
      runs_given = true;
    } else if (!flag(arg, "max_total_time", o.seconds)) {
      flag(arg, "seed", o.seed);  // or a libFuzzer flag that means nothing here
    }
  }
  if (!runs_given && o.seconds > 0) o.runs = -1;
  return o;
}

bool read_input(const std::filesystem::path& path, std::vector<Input>& corpus) {
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    std::fprintf(stderr, "mutate: cannot read %s\n", path.c_str());
    return false;
  }
  corpus.emplace_back((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  return true;
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
  const Options options = parse(argc, argv);
  std::vector<Input> corpus;
  for (const std::string& input : options.inputs) {
    if (std::filesystem::is_directory(input)) {
      std::vector<std::filesystem::path> files;
      for (const auto& entry : std::filesystem::directory_iterator(input)) {
        if (entry.is_regular_file()) files.push_back(entry.path());
      }
      std::sort(files.begin(), files.end());  // the same order, so the same mutations
      for (const auto& f : files) {
        if (!read_input(f, corpus)) return 1;
      }
    } else if (!read_input(input, corpus)) {
      return 1;
    }
  }
  if (corpus.empty()) {
    std::fprintf(stderr, "usage: %s [-runs=N] [-max_total_time=S] [-seed=N] INPUT...\n", argv[0]);
    return 1;
  }
  for (int sig : {SIGILL, SIGABRT, SIGSEGV, SIGBUS, SIGFPE}) std::signal(sig, on_crash);
  for (const Input& in : corpus) {
    g_current = &in;
    LLVMFuzzerTestOneInput(in.data(), in.size());
  }
  using Clock = std::chrono::steady_clock;
  const Clock::time_point end = Clock::now() + std::chrono::seconds(options.seconds);
  std::mt19937_64 rng(static_cast<std::uint64_t>(options.seed));
  long run = 0;
  for (; options.runs < 0 || run < options.runs; ++run) {
    // Reading the clock costs more than a small input: once every 256 runs.
    if (options.seconds > 0 && run % 256 == 0 && Clock::now() >= end) break;
    Input in = corpus[rng() % corpus.size()];
    for (int k = 1 + static_cast<int>(rng() % 8); k > 0; --k) mutate(in, corpus, rng);
    g_current = &in;
    LLVMFuzzerTestOneInput(in.data(), in.size());
  }
  g_current = nullptr;
  std::printf("mutate: %zu inputs and %ld mutations ran without a crash\n", corpus.size(), run);
  std::printf("stat::number_of_executed_units: %ld\n", static_cast<long>(corpus.size()) + run);
  return 0;
}
