#pragma once
// Minimal .npy reader/writer for the NMF benchmark (float32, 2-D, either memory order).
#include "demix/types.hpp"

#include <cstdint>
#include <fstream>
#include <stdexcept>
#include <string>

namespace bench {

inline demix::Matrix readNpy(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("cannot open " + path);
    char magic[8];
    in.read(magic, 8);
    if (std::string(magic, 6) != "\x93NUMPY") throw std::runtime_error(path + ": not a .npy file");
    std::uint32_t headerLength = 0;
    if (magic[6] == 1) {
        unsigned char b[2];
        in.read(reinterpret_cast<char*>(b), 2);
        headerLength = b[0] | (b[1] << 8);
    } else {
        unsigned char b[4];
        in.read(reinterpret_cast<char*>(b), 4);
        headerLength = b[0] | (b[1] << 8) | (b[2] << 16) | (std::uint32_t(b[3]) << 24);
    }
    std::string header(headerLength, ' ');
    in.read(&header[0], headerLength);
    if (header.find("'<f4'") == std::string::npos)
        throw std::runtime_error(path + ": expected float32 ('<f4')");
    const bool fortran = header.find("'fortran_order': True") != std::string::npos;
    const auto open = header.find('(', header.find("'shape'"));
    long rows = 0, cols = 0;
    if (std::sscanf(header.c_str() + open, "(%ld, %ld)", &rows, &cols) != 2)
        throw std::runtime_error(path + ": expected a 2-D array");
    demix::Matrix M(rows, cols);
    if (fortran) {
        in.read(reinterpret_cast<char*>(M.data()), std::streamsize(sizeof(float) * M.size()));
    } else {
        Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> R(rows, cols);
        in.read(reinterpret_cast<char*>(R.data()), std::streamsize(sizeof(float) * R.size()));
        M = R;
    }
    if (!in) throw std::runtime_error(path + ": truncated");
    return M;
}

inline void writeNpy(const std::string& path, const demix::Matrix& M)
{
    std::string header = "{'descr': '<f4', 'fortran_order': True, 'shape': (" +
                         std::to_string(M.rows()) + ", " + std::to_string(M.cols()) + "), }";
    while ((10 + header.size() + 1) % 64 != 0) header.push_back(' ');
    header.push_back('\n');
    std::ofstream out(path, std::ios::binary);
    out.write("\x93NUMPY\x01\x00", 8);
    const unsigned char len[2] = {static_cast<unsigned char>(header.size() & 0xff),
                                  static_cast<unsigned char>(header.size() >> 8)};
    out.write(reinterpret_cast<const char*>(len), 2);
    out.write(header.data(), std::streamsize(header.size()));
    out.write(reinterpret_cast<const char*>(M.data()), std::streamsize(sizeof(float) * M.size()));
    if (!out) throw std::runtime_error("cannot write " + path);
}

}  // namespace bench
