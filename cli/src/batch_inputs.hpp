#pragma once
/// \file batch_inputs.hpp
/// Turning `demix batch` arguments (files, folders, globs) into a sorted list of inputs,
/// and the deterministic --shard I/N slicing.

#include <string>
#include <vector>

namespace demix::cli {

struct BatchInput {
    std::string path;   ///< absolute path (or the argument itself if nothing matched)
    std::string name;   ///< output folder name: the file name without extension
    std::string error;  ///< non-empty if the argument could not be resolved
};

/// Files are taken as given; folders contribute their audio files (by extension, not
/// recursive, hidden files skipped); arguments with * ? [ are expanded as globs. An
/// argument that matches nothing becomes an entry with an error. The result is sorted
/// by path and free of duplicates, so every machine sees the same order.
std::vector<BatchInput> expandBatchInputs(const std::vector<std::string>& arguments);

/// Parses "I/N" (1 <= I <= N). Throws UsageError.
void parseShard(const std::string& text, int& index, int& count);

/// The entries of the I-th of N slices (round-robin over the sorted list).
std::vector<BatchInput> shardOf(const std::vector<BatchInput>& inputs, int index, int count);

/// Throws UsageError if two inputs would write to the same output folder.
void checkDistinctNames(const std::vector<BatchInput>& inputs);

}  // namespace demix::cli
