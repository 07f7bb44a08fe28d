// strict_stoll: a model config's integers are plain decimal digits, nothing else.
#include "libattn/models/config_integer.h"

#include <gtest/gtest.h>

#include <stdexcept>

namespace attn {
namespace {

TEST(StrictStoll, TakesOnlyPlainDecimalDigits) {
  EXPECT_EQ(strict_stoll("16"), 16);
  EXPECT_EQ(strict_stoll("0"), 0);
  for (const char* bad : {"16x", " 16", "16 ", "+16", "-1", "1e3", "0x10", "", "1234567890123456789"})
    EXPECT_THROW(strict_stoll(bad), std::logic_error) << "'" << bad << "'";
}

}  // namespace
}  // namespace attn
