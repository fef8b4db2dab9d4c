// The snapshot format (interpreter/snapshot.cpp), for tests that must build
// snapshots a corrupting host could send:
//
//   magic (8 bytes) · format version (u32) · model hash (u64) · payload ·
//   checksum (u64, FNV-1a over every byte before it)
//
// restore() checks the checksum before reading anything, then every count
// and index against the built model.
#pragma once

#include <cstddef>
#include <cstdint>

namespace neuro {

inline constexpr uint32_t kSnapshotVersion = 2;
// Where the step counter lies: after magic, version and model hash.
inline constexpr size_t kSnapshotStepOffset = 8 + 4 + 8;
uint64_t snapshot_checksum(const uint8_t* bytes, size_t n);

}  // namespace neuro
