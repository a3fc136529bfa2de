// Files whole or absent (engine/files.h): atomic files and staged run folders.
#include <doctest/doctest.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "engine/files.h"
#include "tests/support/temp_dir.h"

namespace fs = std::filesystem;
using candor::AtomicFile;
using candor::FileError;
using candor::StagedFolder;
using candor::testing::TempDir;

namespace {

std::string read(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::vector<std::string> names_in(const fs::path& folder) {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(folder)) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace

TEST_CASE("files: an atomic file replaces the old one only when committed, and leaves no temporary") {
  TempDir dir;
  const fs::path path = dir.root() / "metrics.json";
  candor::write_file_atomically(path, "old\n");
  {
    AtomicFile file(path);
    file.write("new, never committed");
    CHECK(read(path) == "old\n");  // the final name keeps the old content while writing
  }
  CHECK(read(path) == "old\n");
  CHECK(names_in(dir.root()) == std::vector<std::string>{"metrics.json"});
  candor::write_file_atomically(path, "new\n");
  CHECK(read(path) == "new\n");
  CHECK(names_in(dir.root()) == std::vector<std::string>{"metrics.json"});

  CHECK_THROWS_WITH_AS(candor::write_file_atomically(dir.root() / "no" / "such" / "x", "x"),
                       doctest::Contains("no/such/x: No such file or directory"), FileError);
}

TEST_CASE("files: a write that fails (a file-size limit, as a full disk) throws and keeps the old file") {
  TempDir dir;
  const fs::path path = dir.root() / "model.bin";
  candor::write_file_atomically(path, "previous");
  // In a child: with SIGXFSZ ignored, a write past RLIMIT_FSIZE fails with EFBIG.
  const pid_t child = fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    std::signal(SIGXFSZ, SIG_IGN);
    const rlimit limit{1000, 1000};
    setrlimit(RLIMIT_FSIZE, &limit);
    try {
      candor::write_file_atomically(path, std::string(5000, 'x'));
    } catch (const FileError& e) {
      _exit(std::string(e.what()).find("cannot write " + path.string() + ": File too large") == std::string::npos ? 2 : 0);
    }
    _exit(1);
  }
  int status = 0;
  waitpid(child, &status, 0);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
  CHECK(read(path) == "previous");
  CHECK(names_in(dir.root()) == std::vector<std::string>{"model.bin"});
}

TEST_CASE("files: a staged folder appears whole at commit, replaces a previous run, and vanishes without commit") {
  TempDir dir;
  const fs::path run = dir.root() / "run";
  {
    StagedFolder folder(run);
    candor::write_file_atomically(folder.path() / "a.txt", "first");
    CHECK_FALSE(fs::exists(run));  // nothing under the final name until commit
    folder.commit();
  }
  CHECK(names_in(run) == std::vector<std::string>{".candor-run", "a.txt"});
  CHECK(names_in(dir.root()) == std::vector<std::string>{"run"});

  {
    StagedFolder folder(run);
    candor::write_file_atomically(folder.path() / "b.txt", "second");
  }  // no commit: the previous run stays as it was
  CHECK(names_in(run) == std::vector<std::string>{".candor-run", "a.txt"});
  CHECK(names_in(dir.root()) == std::vector<std::string>{"run"});

  {
    StagedFolder folder(run);
    candor::write_file_atomically(folder.path() / "b.txt", "second");
    folder.commit();
  }
  CHECK(names_in(run) == std::vector<std::string>{".candor-run", "b.txt"});  // nothing of the old run is left
  CHECK(names_in(dir.root()) == std::vector<std::string>{"run"});
}

TEST_CASE("files: two staged folders for one place each commit whole; the last one wins") {
  TempDir dir;
  const fs::path run = dir.root() / "run";
  StagedFolder first(run), second(run);
  CHECK(first.path() != second.path());
  candor::write_file_atomically(first.path() / "seed", "1");
  candor::write_file_atomically(second.path() / "seed", "2");
  candor::write_file_atomically(second.path() / "extra", "2");
  second.commit();
  first.commit();
  CHECK(names_in(run) == std::vector<std::string>{".candor-run", "seed"});
  CHECK(read(run / "seed") == "1");
  CHECK(names_in(dir.root()) == std::vector<std::string>{"run"});
}

TEST_CASE("files: a staged folder refuses to replace what candor did not write, and clears crashed runs' staging") {
  TempDir dir;
  const fs::path mine = dir.write("notes/thesis.tex", "keep me");
  CHECK_THROWS_WITH_AS(StagedFolder(dir.root() / "notes"),
                       doctest::Contains("is not a run folder candor wrote (it has no .candor-run)"), FileError);
  CHECK(read(mine) == "keep me");
  const fs::path file = dir.write("file", "x");
  CHECK_THROWS_WITH_AS(StagedFolder(dir.root() / "file"), doctest::Contains("exists and is not a folder"), FileError);

  // A staging folder whose writer is gone (no process has this pid) is deleted by the next run.
  const fs::path abandoned = dir.root() / ".run.staging-2147483646-0";
  fs::create_directories(abandoned);
  StagedFolder folder(dir.root() / "run");
  CHECK_FALSE(fs::exists(abandoned));
  // An empty folder may be replaced.
  fs::create_directories(dir.root() / "empty");
  StagedFolder into_empty(dir.root() / "empty");
  into_empty.commit();
  CHECK(fs::exists(dir.root() / "empty" / ".candor-run"));
}
