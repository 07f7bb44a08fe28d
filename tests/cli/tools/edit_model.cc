// A test helper: rewrites a .attn file with its metadata or tensors changed and every CRC
// recomputed (the writer computes them), as a structure-aware attacker would. The files it
// makes pass the container's checks, so what refuses them is the tools' semantic validation.
//
//   attn_edit_model in.attn out.attn set d_model 2147483648
//   attn_edit_model in.attn out.attn drop output.weight nan decoder.layers.0.ffn.w1
//   attn_edit_model in.attn out.attn add-token source zzz
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

#include "formats/model_reader.h"
#include "formats/model_writer.h"

namespace {

using namespace attn::formats;

struct EditedTensor {
  std::string name;
  FileDType dtype;
  std::vector<int64_t> shape;
  std::vector<uint8_t> bytes;
};

int edit(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr,
                 "usage: attn_edit_model IN OUT [set KEY VALUE | drop TENSOR | nan TENSOR | "
                 "add-token VOCAB TOKEN]...\n");
    return 2;
  }
  const ModelFile file = read_model_file(argv[1]);
  Metadata meta = file.metadata();
  std::vector<EditedTensor> tensors;
  for (const TensorEntry& t : file.tensors()) {
    const auto* p = static_cast<const uint8_t*>(t.data);
    tensors.push_back({t.name, t.dtype, t.shape, std::vector<uint8_t>(p, p + t.byte_size)});
  }
  auto find = [&](const std::string& name) -> EditedTensor& {
    for (EditedTensor& t : tensors)
      if (t.name == name) return t;
    throw std::runtime_error("no tensor " + name);
  };
  for (int i = 3; i < argc;) {
    const std::string op = argv[i];
    auto arg = [&](int k) -> std::string {
      if (i + k >= argc) throw std::runtime_error(op + ": missing argument");
      return argv[i + k];
    };
    if (op == "set") {
      meta.config[arg(1)] = arg(2);
      i += 3;
    } else if (op == "drop") {
      const std::string name = arg(1);
      find(name);
      tensors.erase(std::remove_if(tensors.begin(), tensors.end(),
                                   [&](const EditedTensor& t) { return t.name == name; }),
                    tensors.end());
      i += 2;
    } else if (op == "nan") {
      EditedTensor& t = find(arg(1));
      const float nan = std::nanf("");
      std::memcpy(t.bytes.data(), &nan, sizeof(nan));
      i += 2;
    } else if (op == "add-token") {
      bool found = false;
      for (Vocabulary& v : meta.vocabularies)
        if (v.name == arg(1)) {
          v.tokens.push_back(arg(2));
          found = true;
        }
      if (!found) throw std::runtime_error("no vocabulary " + arg(1));
      i += 3;
    } else {
      throw std::runtime_error("unknown edit " + op);
    }
  }
  std::vector<TensorToWrite> out;
  for (const EditedTensor& t : tensors) out.push_back({t.name, t.dtype, t.shape, t.bytes.data()});
  write_model_file(argv[2], file.kind(), meta, out);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return edit(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "attn_edit_model: %s\n", e.what());
    return 1;
  }
}
