#include "engine/files.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include <fmt/format.h>

namespace candor {

namespace fs = std::filesystem;

namespace {

[[noreturn]] void fail(const std::string& what, const fs::path& path, int error) {
  throw FileError(fmt::format("cannot {} {}: {}", what, path.string(), std::strerror(error)));
}

// A name no other writer in this or another process uses: the pid and a per-process counter.
std::string unique_suffix() {
  static std::atomic<uint64_t> counter{0};
  return fmt::format("{}-{}", ::getpid(), counter++);
}

// Flushes a file, or a folder's entries (a rename or a new file in it), to the disk. Some file
// systems cannot sync a folder (EINVAL); there the rename is as durable as they allow.
void sync_path(const fs::path& path, bool folder) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | (folder ? O_DIRECTORY : 0));
  if (fd < 0) fail("open", path, errno);
  const int rc = ::fsync(fd), error = errno;
  ::close(fd);
  if (rc != 0 && error != EINVAL) fail("sync", path, error);
}

// Every file and folder under `root`, then `root` itself: files written by streams (a training
// log) reach the disk before the folder is swapped into place.
void sync_tree(const fs::path& root) {
  for (const fs::directory_entry& entry : fs::recursive_directory_iterator(root)) {
    if (entry.is_symlink()) continue;
    if (entry.is_directory() || entry.is_regular_file()) sync_path(entry.path(), entry.is_directory());
  }
  sync_path(root, true);
}

bool is_empty_folder(const fs::path& folder) {
  return fs::directory_iterator(folder) == fs::directory_iterator();
}

// A path a run folder may replace: nothing, an empty folder, or a folder with the marker.
void check_replaceable(const fs::path& path) {
  std::error_code ec;
  const fs::file_status status = fs::status(path, ec);
  if (!fs::exists(status)) return;
  if (!fs::is_directory(status)) {
    throw FileError(fmt::format("{} exists and is not a folder: choose another output folder", path.string()));
  }
  if (is_empty_folder(path) || fs::exists(path / kRunFolderMarker)) return;
  throw FileError(fmt::format("{} exists, is not empty and is not a run folder candor wrote (it has no {}): choose "
                              "another output folder, or remove it first",
                              path.string(), kRunFolderMarker));
}

std::string staging_prefix(const fs::path& final_path) {
  return fmt::format(".{}.staging-", final_path.filename().string());
}

// Staging folders whose writer is gone (kill -9, power loss) are deleted; a live writer's are
// kept. The writer's pid is the number after the prefix.
void remove_abandoned_staging(const fs::path& final_path) {
  const std::string prefix = staging_prefix(final_path);
  std::error_code ec;
  for (const fs::directory_entry& entry : fs::directory_iterator(final_path.parent_path(), ec)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind(prefix, 0) != 0) continue;
    const long pid = std::strtol(name.c_str() + prefix.size(), nullptr, 10);
    if (pid > 0 && ::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH) fs::remove_all(entry.path(), ec);
  }
}

// Puts folder `from` at `to`, atomically: when `to` exists the two are swapped, and `from` then
// names the previous folder (the caller deletes it). Returns whether a swap happened.
bool swap_into_place(const fs::path& from, const fs::path& to) {
  if (::renameat2(AT_FDCWD, from.c_str(), AT_FDCWD, to.c_str(), RENAME_NOREPLACE) == 0) return false;
  if (errno != EEXIST && errno != ENOTEMPTY) fail("rename a staging folder to", to, errno);
  check_replaceable(to);
  if (::renameat2(AT_FDCWD, from.c_str(), AT_FDCWD, to.c_str(), RENAME_EXCHANGE) != 0) {
    fail("swap a staging folder with", to, errno);
  }
  return true;
}

}  // namespace

// ---- AtomicFile ----

AtomicFile::AtomicFile(fs::path path) : path_(std::move(path)) {
  if (!path_.has_filename()) throw FileError(fmt::format("cannot write {}: it names a folder, not a file", path_.string()));
  const fs::path folder = path_.has_parent_path() ? path_.parent_path() : fs::path(".");
  temp_ = folder / fmt::format(".{}.tmp-{}", path_.filename().string(), unique_suffix());
  fd_ = ::open(temp_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
  if (fd_ < 0) fail("write", path_, errno);
}

AtomicFile::~AtomicFile() {
  if (fd_ >= 0) ::close(fd_);
  if (!temp_.empty()) ::unlink(temp_.c_str());
}

void AtomicFile::write(const void* data, uint64_t n) {
  const auto* bytes = static_cast<const char*>(data);
  while (n > 0) {
    const ssize_t written = ::write(fd_, bytes, n);
    if (written < 0 && errno == EINTR) continue;
    if (written <= 0) fail("write", path_, written < 0 ? errno : ENOSPC);
    bytes += written;
    n -= static_cast<uint64_t>(written);
  }
}

void AtomicFile::commit() {
  if (::fsync(fd_) != 0) fail("write", path_, errno);
  const int rc = ::close(fd_);
  fd_ = -1;
  if (rc != 0) fail("write", path_, errno);
  if (::rename(temp_.c_str(), path_.c_str()) != 0) fail("write", path_, errno);
  temp_.clear();
  sync_path(path_.has_parent_path() ? path_.parent_path() : fs::path("."), true);
}

void write_file_atomically(const fs::path& path, std::string_view bytes) {
  AtomicFile file(path);
  file.write(bytes);
  file.commit();
}

// ---- StagedFolder ----

StagedFolder::StagedFolder(fs::path final_path) {
  final_ = fs::absolute(final_path).lexically_normal();
  if (!final_.has_filename()) final_ = final_.parent_path();  // "runs/a/" is "runs/a"
  check_replaceable(final_);
  std::error_code ec;
  fs::create_directories(final_.parent_path(), ec);
  if (ec) fail("create", final_.parent_path(), ec.value());
  remove_abandoned_staging(final_);
  for (;;) {
    staging_ = final_.parent_path() / (staging_prefix(final_) + unique_suffix());
    if (::mkdir(staging_.c_str(), 0777) == 0) break;
    if (errno != EEXIST) fail("create", staging_, errno);
  }
}

StagedFolder::~StagedFolder() {
  if (committed_) return;
  std::error_code ec;
  fs::remove_all(staging_, ec);
}

void StagedFolder::commit() {
  write_file_atomically(staging_ / kRunFolderMarker, "a complete run folder written by candor\n");
  sync_tree(staging_);
  const bool swapped = swap_into_place(staging_, final_);
  committed_ = true;
  sync_path(final_.parent_path(), true);
  // After a swap the staging name holds the previous run; a crash before this line leaves it to
  // the next run's clean-up.
  if (swapped) {
    std::error_code ec;
    fs::remove_all(staging_, ec);
  }
}

}  // namespace candor
