#include "libattn/decode/attention_picture.h"

#include <gtest/gtest.h>

#include "libattn/core/error.h"

namespace attn {
namespace {

TEST(AttentionPicture, SvgHasOneCellPerWeightShadedByWeight) {
  std::string svg = attention_svg({"a", "<b>"}, {"x"}, {{1.0f, 0.0f}});
  EXPECT_EQ(svg.rfind("<svg", 0), 0u);
  EXPECT_NE(svg.find("fill=\"rgb(0,0,0)\""), std::string::npos);        // weight 1: black
  EXPECT_NE(svg.find("fill=\"rgb(255,255,255)\""), std::string::npos);  // weight 0: white
  EXPECT_NE(svg.find("&lt;b&gt;"), std::string::npos);                   // tokens escaped
  size_t cells = 0;
  for (size_t at = svg.find("<title>"); at != std::string::npos; at = svg.find("<title>", at + 1))
    ++cells;
  EXPECT_EQ(cells, 2u);
}

TEST(AttentionPicture, ShadesRowPerOutputToken) {
  std::string art = attention_shades({"a", "b"}, {"x", "yy"}, {{0.95f, 0.05f}, {0.5f, 0.5f}});
  EXPECT_NE(art.find(" x |██  |"), std::string::npos) << art;
  EXPECT_NE(art.find("yy |▒▒▒▒|"), std::string::npos) << art;
}

TEST(AttentionPicture, RejectsMismatchedShapes) {
  EXPECT_THROW(attention_svg({"a"}, {"x", "y"}, {{1.0f}}), Error);
}

}  // namespace
}  // namespace attn
