// UTF-8 checks for everything read from users' text files. Strict RFC 3629: overlong
// forms, surrogates (U+D800..U+DFFF) and code points past U+10FFFF are rejected, so a
// character tokenizer never invents characters from mis-encoded bytes.
//
//   check_utf8(line, "train.tsv:17");        // throws "train.tsv:17: invalid UTF-8 at byte 5 ..."
//   std::vector<std::string> cs = utf8_characters("héllo");   // {"h", "é", "l", "l", "o"}
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace attn {

// Byte offset of the first invalid sequence, or std::string_view::npos when valid.
size_t find_invalid_utf8(std::string_view text);

// Throws InputError "<where>: invalid UTF-8 at byte N (0xXX)" when text is not UTF-8.
void check_utf8(std::string_view text, std::string_view where);

// One string per code point; text must be valid (check_utf8 first).
std::vector<std::string> utf8_characters(std::string_view text);

}  // namespace attn
