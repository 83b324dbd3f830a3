#pragma once
// Internal helper of the fingerprint featurisers: copies an RDKit ExplicitBitVect into a packed_bits row.
#include <DataStructs/ExplicitBitVect.h>

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "core/error.h"

namespace hitforge::chem::detail {

// Output iterator for boost::to_block_range: stores each bitset block as bytes, least significant byte first, and
// stops at `end` (the last block may reach past a row whose width is not a multiple of the block size). The cursor
// lives outside because to_block_range takes the iterator by value.
class BlockByteSink {
 public:
  BlockByteSink(std::uint8_t*& cursor, std::uint8_t* end) : p_(cursor), end_(end) {}
  BlockByteSink& operator*() { return *this; }
  BlockByteSink& operator++() { return *this; }
  BlockByteSink& operator++(int) { return *this; }
  template <class Block>
  BlockByteSink& operator=(Block block) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    if (static_cast<std::size_t>(end_ - p_) >= sizeof(Block)) {  // the in-memory order is already LSB-first
      std::memcpy(p_, &block, sizeof(Block));
      p_ += sizeof(Block);
      return *this;
    }
#endif
    for (std::size_t k = 0; k < sizeof(Block) && p_ < end_; ++k) *p_++ = static_cast<std::uint8_t>(block >> (8 * k));
    return *this;
  }

 private:
  std::uint8_t*& p_;
  std::uint8_t* end_;
};

/// Writes the n_bits bits of `fp` to `row` (ceil(n_bits/8) bytes, LSB-first: bit b is byte b/8, mask 1<<(b%8)).
/// Copies whole blocks: measured 17 ns for 2048 bits, against ~1.3 us for walking the set bits with find_next().
inline void pack_bits(const ExplicitBitVect& fp, std::size_t n_bits, std::uint8_t* row) {
  HITFORGE_CHECK(fp.getNumBits() == n_bits, "fingerprint has ", fp.getNumBits(), " bits, expected ", n_bits);
  const std::size_t n_bytes = (n_bits + 7) / 8;
  // dynamic_bitset keeps the unused high bits of its last block zero, so the padding bits of the row come out clear
  // and the blocks cover every byte of the row.
  std::uint8_t* cursor = row;
  boost::to_block_range(*fp.dp_bits, BlockByteSink(cursor, row + n_bytes));
  HITFORGE_CHECK(cursor == row + n_bytes, "bit vector blocks do not cover the row");
}

}  // namespace hitforge::chem::detail
