// Files that are whole or absent. Whatever happens while candor writes (a full disk, kill -9,
// power loss after the write returned, a second run writing the same place), a reader finds
// either the previous complete file or folder, or the new complete one, never a mix.
//
// A file: written under a unique temporary name in its own folder, flushed, fsync'ed, closed
// (each step checked), then renamed over the final name; the folder is fsync'ed so that the
// rename itself survives a crash. rename(2) replaces the name atomically.
//
// A run folder: everything is written into a staging folder beside it; commit() marks it as a
// run folder (the file `.candor-run`), fsyncs it and swaps it into place in one atomic step
// (renameat2 RENAME_EXCHANGE on Linux), then deletes the previous run. Two runs into one folder
// each write their own staging folder; the last to commit wins, each complete. A folder that
// exists, is not empty and does not carry the marker is refused before any work starts: it
// holds something candor did not write, and replacing it would delete it.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include "engine/error.h"

namespace candor {

// A file or folder that could not be written, renamed or synced; the message names the path and
// the system's reason (e.g. "No space left on device").
class FileError : public Error {
 public:
  using Error::Error;
};

// A file being written: write() appends, commit() puts it in place under its final name. Until
// commit the final name still holds its previous content (or nothing); without commit (an
// exception, say) the destructor deletes the temporary file.
class AtomicFile {
 public:
  explicit AtomicFile(std::filesystem::path path);
  ~AtomicFile();
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  void write(const void* data, uint64_t n);
  void write(std::string_view text) { write(text.data(), text.size()); }
  void commit();
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_, temp_;
  int fd_ = -1;
};

// The whole of `bytes` under `path`, atomically (an AtomicFile written once and committed).
void write_file_atomically(const std::filesystem::path& path, std::string_view bytes);

// A run folder being written. path() is the staging folder to write into; commit() replaces the
// folder `final_path` with it. Without commit the destructor deletes the staging folder. The
// constructor refuses (FileError) a final path that exists and is a file, or a non-empty folder
// without the marker, and deletes staging folders that crashed runs left beside it.
class StagedFolder {
 public:
  explicit StagedFolder(std::filesystem::path final_path);
  ~StagedFolder();
  StagedFolder(const StagedFolder&) = delete;
  StagedFolder& operator=(const StagedFolder&) = delete;

  const std::filesystem::path& path() const { return staging_; }
  const std::filesystem::path& final_path() const { return final_; }
  void commit();

 private:
  std::filesystem::path final_, staging_;
  bool committed_ = false;
};

// The marker file that says "a complete run folder written by candor".
inline constexpr std::string_view kRunFolderMarker = ".candor-run";

}  // namespace candor
