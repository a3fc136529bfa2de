// Run folders are whole or absent: kill -9 at any moment, a full disk, a folder candor did not write.
#include <doctest/doctest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "engine/generator.h"
#include "explain/ebm/model_io.h"
#include "nn/run.h"
#include "tests/cli/run_candor.h"

namespace fs = std::filesystem;
using namespace candor::testing;

namespace {

// Every file of a folder, by relative path, with its bytes.
std::map<std::string, std::string> snapshot(const fs::path& folder) {
  std::map<std::string, std::string> files;
  if (!fs::exists(folder)) return files;
  for (const auto& e : fs::recursive_directory_iterator(folder)) {
    if (e.is_regular_file()) files[fs::relative(e.path(), folder).string()] = slurp(e.path());
  }
  return files;
}

// A complete run of `command`: its marker, and every file it writes readable and consistent.
void check_complete(const std::string& command, const fs::path& out) {
  REQUIRE_MESSAGE(fs::exists(out / ".candor-run"), out);
  for (const char* name : {"config.json", "metrics.json"}) read_json(out / name);
  if (command == "ebm fit") {
    candor::explain::ebm::load_model((out / "model.ebm.json").string());
    return;
  }
  REQUIRE(fs::exists(out / "log.jsonl"));
  const candor::nn::LoadedRun run = candor::nn::load_run(out.string());
  candor::nn::run_data(run);  // config.json and the checkpoint come from the same run
}

// Starts `candor ARGS` and kills it with SIGKILL after `delay`; returns whether it finished first.
bool run_killed_after(const std::string& args, std::chrono::microseconds delay) {
  const pid_t child = fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    const std::string command = std::string(CANDOR_BINARY) + " " + args + " >/dev/null 2>&1";
    execl("/bin/sh", "sh", "-c", ("exec " + command).c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  std::this_thread::sleep_for(delay);
  int status = 0;
  if (waitpid(child, &status, WNOHANG) == child) return true;
  kill(child, SIGKILL);
  waitpid(child, &status, 0);
  return false;
}

}  // namespace

TEST_CASE("run folders: kill -9 at random moments of train, finetune and ebm fit leaves the old run or a new one") {
  const fs::path dir = scratch("kill");
  REQUIRE(run_candor("train --data synthetic --hidden 16 --epochs 3 --batch-size 64 --seed 0 --quiet --out " +
                     (dir / "base").string()).code == 0);
  const std::map<std::string, std::string> commands = {
      {"train", "train --data synthetic --hidden 16 --epochs 3 --batch-size 64 --quiet --seed "},
      {"finetune", "finetune --init " + (dir / "base" / "model.safetensors").string() +
                       " --penalty dp --lambda 1 --epochs 2 --bootstrap 20 --quiet --seed "},
      {"ebm fit", "ebm fit --data synthetic --outer-bags 2 --interactions 1 --max-rounds 300 --quiet --seed "}};
  candor::Generator gen(16);
  for (const auto& entry : commands) {
    const auto& command = entry.first;
    const auto& args = entry.second;
    const fs::path out = dir / ("out_" + std::to_string(command.size()));
    REQUIRE(run_candor(args + "0 --out " + out.string()).code == 0);
    std::map<std::string, std::string> previous = snapshot(out);
    int finished = 0;
    for (int round = 1; round <= 20; ++round) {
      // Kill times spread over the whole run, writing included (each run takes 30-200 ms).
      const auto delay = std::chrono::microseconds(static_cast<int64_t>(gen.next_u64() % 250000));
      finished += run_killed_after(args + std::to_string(round) + " --out " + out.string(), delay);
      const std::map<std::string, std::string> now = snapshot(out);
      if (now != previous) {
        INFO(command << ", round " << round);
        check_complete(command, out);
        previous = now;
      }
    }
    MESSAGE(command << ": " << finished << " of 20 runs finished before the kill");
    // The next run clears what the killed ones left beside the folder.
    REQUIRE(run_candor(args + "99 --out " + out.string()).code == 0);
    check_complete(command, out);
    for (const auto& e : fs::directory_iterator(dir)) {
      CHECK_MESSAGE(e.path().filename().string().find(".staging-") == std::string::npos, e.path());
    }
  }
}

TEST_CASE("run folders: a full disk (a file-size limit) fails train, finetune and ebm fit and keeps the previous run") {
  const fs::path dir = scratch("fulldisk");
  REQUIRE(run_candor("train --data synthetic --hidden 16 --epochs 3 --batch-size 64 --seed 0 --quiet --out " +
                     (dir / "base").string()).code == 0);
  const std::vector<std::string> commands = {
      "train --data synthetic --hidden 16 --epochs 3 --batch-size 64 --quiet",
      "finetune --init " + (dir / "base" / "model.safetensors").string() + " --penalty dp --lambda 1 --epochs 2 --quiet",
      "ebm fit --data synthetic --outer-bags 2 --interactions 1 --max-rounds 300 --quiet"};
  // ulimit -f caps every file's size (in blocks of 512 bytes or 1 KiB, by shell); with SIGXFSZ
  // ignored, a write past the cap fails (EFBIG), as on a full disk. Each cap fails another file.
  // LLVM's OpenMP runtime (clang builds) sizes a 1 KiB shared-memory file as it loads, so under a
  // smaller cap no program linked with it starts at all: such caps are left out.
  const std::string cap = "trap '' XFSZ; ulimit -f ";
  std::vector<int> caps;
  for (int blocks : {0, 1, 2, 3, 4, 64, 1024}) {
    if (run_candor("--help", cap + std::to_string(blocks) + ";").code == 0) caps.push_back(blocks);
  }
  REQUIRE(caps.size() >= 5);
  for (size_t c = 0; c < commands.size(); ++c) {
    const fs::path out = dir / ("run" + std::to_string(c));
    const std::string command = commands[c] + " --out " + out.string();
    REQUIRE(run_candor(command + " --seed 0").code == 0);
    const std::map<std::string, std::string> previous = snapshot(out);
    int failed = 0;
    for (int blocks : caps) {
      Result r = run_candor(command + " --seed 1", cap + std::to_string(blocks) + ";");
      INFO(commands[c] << ", " << blocks << " blocks: " << r.out);
      if (r.code == 0) continue;  // every file fitted under this cap
      ++failed;
      CHECK(r.code == 1);
      CHECK(r.out.find("cannot write") != std::string::npos);
      CHECK(snapshot(out) == previous);
      for (const auto& e : fs::directory_iterator(dir)) {
        CHECK(e.path().filename().string().find(".staging-") == std::string::npos);
      }
    }
    CHECK_MESSAGE(failed >= 3, commands[c]);  // the small caps cannot hold a run
  }
}

TEST_CASE("run folders: a non-empty --out candor did not write is refused before any work; paths are stored absolute") {
  const fs::path dir = scratch("notmine");
  fs::create_directories(dir / "mine");
  std::ofstream(dir / "mine" / "thesis.tex") << "keep";
  Result r = run_candor("train --data synthetic --quiet --out " + (dir / "mine").string());
  CHECK(r.code == 1);
  CHECK(r.out.find("is not a run folder candor wrote") != std::string::npos);
  CHECK(slurp(dir / "mine" / "thesis.tex") == "keep");

  // A relative --csv, then eval from another folder.
  std::string csv = "x,label\n";
  for (int i = 0; i < 200; ++i) csv += std::to_string(i % 17) + "," + std::to_string((i * 7) % 3 == 0) + "\n";
  std::ofstream(dir / "data.csv") << csv;
  Result t = run_candor("train --csv data.csv --label label --hidden 4 --epochs 1 --quiet --out run", "cd " + dir.string() + " &&");
  REQUIRE_MESSAGE(t.code == 0, t.out);
  CHECK(read_json(dir / "run" / "config.json")["data"]["file"] == (dir / "data.csv").string());
  Result e = run_candor("eval --run " + (dir / "run").string() + " --bootstrap 0", "cd / &&");
  CHECK_MESSAGE(e.code == 0, e.out);
}
