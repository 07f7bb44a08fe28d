// attn-decode --compute-type: what the weight matrices of an fp32 model are multiplied in
// (CTranslate2's compute_type).
//
//   ComputeType type = parse_compute_type("int8");
//   std::unique_ptr<Int8Weights> int8 = prepare_compute_type(*bundle.model, type);
//   ... decode; int8 products while `int8` lives ...
//
// int8: every weight matrix the model multiplies by gets an int8 copy with one fp32 scale
// per output row (autograd/int8_weights.h): Linear layers, RNN cells, attention scorers and
// the output projection; when the output is tied to the target embedding, the int8 copy
// serves the projection while the lookup keeps reading fp32. Embedding tables, layer norms
// and biases stay fp32. bf16 has no kernel yet: it says so on stderr and decodes in fp32.
#pragma once

#include <memory>
#include <string>

#include "libattn/autograd/int8_weights.h"
#include "libattn/models/seq2seq_model.h"

namespace attn {

enum class ComputeType { kFp32, kInt8, kBf16 };

ComputeType parse_compute_type(const std::string& name);  // InputError on anything else

// Whether the parameter `name` is an embedding table (read by row; multiplied by only as a
// tied output projection).
bool is_lookup_table(const std::string& name);

// Names of the parameters that get an int8 copy, in the model's order.
std::vector<std::string> int8_weight_names(const Seq2SeqModel& model);

// Null for fp32 (and for bf16, after its stderr line). Matrices that already have an int8
// copy (read from an int8 file, BindMode::kMapInt8) keep it: only the others are quantized.
std::unique_ptr<Int8Weights> prepare_compute_type(const Seq2SeqModel& model, ComputeType type);

}  // namespace attn
