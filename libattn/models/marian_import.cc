#include "libattn/models/marian_import.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <map>
#include <set>

#include "formats/npz_reader.h"
#include "libattn/core/error.h"
#include "libattn/core/rng.h"
#include "libattn/models/rnn_seq2seq.h"
#include "libattn/models/transformer.h"

namespace attn {

const char* const kImportedFromKey = "imported_from";
const char* const kImportedConfigKey = "imported_config";

namespace {

// Marian's configuration with typed look-ups that name the option when it is missing or bad.
class MarianOptions {
 public:
  MarianOptions(YAML::Node root, std::string where) : root_(std::move(root)), where_(std::move(where)) {}

  bool has(const std::string& key) const { return root_[key].IsDefined(); }
  std::string text(const std::string& key, const std::string& fallback) const {
    const YAML::Node node = root_[key];
    if (!node.IsDefined() || node.IsNull()) return fallback;
    if (!node.IsScalar()) throw InputError(where_ + ": Marian option " + key + " is not a single value");
    return node.Scalar();
  }
  std::string text(const std::string& key) const {
    if (!has(key)) throw InputError(where_ + ": Marian configuration has no option " + key);
    return text(key, "");
  }
  bool flag(const std::string& key, bool fallback) const {
    if (!has(key)) return fallback;
    try {
      return root_[key].as<bool>();
    } catch (const YAML::Exception&) {
      throw InputError(where_ + ": Marian option " + key + " is not true/false: '" + text(key) + "'");
    }
  }
  int64_t number(const std::string& key) const {
    try {
      const int64_t value = root_[key].as<int64_t>();
      if (value <= 0 || value > (int64_t{1} << 31)) throw YAML::Exception(YAML::Mark(), "range");
      return value;
    } catch (const YAML::Exception&) {
      throw InputError(where_ + ": Marian option " + key + " is not a positive integer: '" +
                       text(key, "(missing)") + "'");
    }
  }
  std::vector<int64_t> numbers(const std::string& key) const {
    const YAML::Node node = root_[key];
    if (!node.IsSequence())
      throw InputError(where_ + ": Marian option " + key + " is not a list of integers");
    std::vector<int64_t> out;
    for (const auto& item : node) {
      try {
        out.push_back(item.as<int64_t>());
      } catch (const YAML::Exception&) {
        throw InputError(where_ + ": Marian option " + key + " holds a non-integer");
      }
    }
    return out;
  }
  bool empty_list(const std::string& key) const {
    const YAML::Node node = root_[key];
    return !node.IsDefined() || node.IsNull() || (node.IsSequence() && node.size() == 0) ||
           (node.IsScalar() && node.Scalar().empty());
  }

  // Refuses the option unless its value is one of `allowed` (an absent option passes).
  void require(const std::string& key, const std::vector<std::string>& allowed) const {
    if (!has(key)) return;
    const YAML::Node node = root_[key];
    const std::string value = node.IsScalar() ? node.Scalar() : YAML::Dump(node);
    if (std::find(allowed.begin(), allowed.end(), value) == allowed.end()) unsupported(key, value);
  }
  [[noreturn]] void unsupported(const std::string& key, const std::string& value) const {
    throw InputError(where_ + ": unsupported Marian option " + key + ": " + value);
  }
  std::string one_line() const {
    YAML::Emitter out;
    out.SetMapFormat(YAML::Flow);
    out.SetSeqFormat(YAML::Flow);
    out << root_;
    return out.c_str();
  }

 private:
  YAML::Node root_;
  std::string where_;
};

// A Marian vocabulary file (.yml, "token: id"), tokens by id.
std::vector<std::string> read_marian_vocab(const std::string& path) {
  if (path.size() >= 4 && path.compare(path.size() - 4, 4, ".spm") == 0)
    throw InputError(path +
                     ": SentencePiece vocabularies are not supported yet; give Marian's .yml "
                     "vocabulary and split the text with spm_encode before attn-decode");
  YAML::Node root;
  try {
    root = YAML::LoadFile(path);
  } catch (const YAML::BadFile&) {
    throw InputError(path + ": cannot read");
  } catch (const YAML::Exception& e) {
    throw InputError(fmt::format("{}: line {}: not a Marian vocabulary: {}", path, e.mark.line + 1,
                                 e.msg));
  }
  if (!root.IsMap()) throw InputError(path + ": not a Marian vocabulary (a YAML map token: id)");
  std::vector<std::string> tokens(root.size());
  for (const auto& entry : root) {
    const std::string token = entry.first.as<std::string>();
    int64_t id = -1;
    try {
      id = entry.second.as<int64_t>();
    } catch (const YAML::Exception&) {
      id = -1;
    }
    if (id < 0 || id >= static_cast<int64_t>(tokens.size()))
      throw InputError(fmt::format("{}: line {}: token \"{}\" has id '{}', expected 0..{}", path,
                                   entry.second.Mark().line + 1, token, entry.second.Scalar(),
                                   tokens.size() - 1));
    if (!tokens[id].empty() || token.empty())
      throw InputError(fmt::format("{}: line {}: id {} given twice (or to an empty token)", path,
                                   entry.second.Mark().line + 1, id));
    tokens[id] = token;
  }
  if (tokens.size() < 2 || tokens[0] != "</s>" || tokens[1] != "<unk>")
    throw InputError(path + ": Marian vocabulary must give </s> id 0 and <unk> id 1");
  for (size_t id = 2; id < tokens.size(); ++id)
    if (tokens[id] == "<pad>" || tokens[id] == "<s>" || tokens[id] == "</s>" || tokens[id] == "<unk>")
      throw InputError(fmt::format("{}: token \"{}\" (id {}) is one of attn's special tokens", path,
                                   tokens[id], id));
  return tokens;
}

// Marian id -> attn id: </s> 0 -> 3, <unk> 1 -> 1, token m >= 2 -> m + 2 (after the 4 specials).
int64_t attn_id(int64_t marian_id) {
  if (marian_id == 0) return Vocabulary::kEos;
  if (marian_id == 1) return Vocabulary::kUnk;
  return marian_id + Vocabulary::kSpecials - 2;
}

Vocabulary attn_vocabulary(const std::vector<std::string>& marian_tokens) {
  std::vector<std::string> tokens = Vocabulary().tokens();
  tokens.insert(tokens.end(), marian_tokens.begin() + 2, marian_tokens.end());
  return Vocabulary::from_tokens(tokens);
}

// The arrays of the npz, each checked and consumed once; what is left at the end was not
// accounted for by any option.
class Arrays {
 public:
  explicit Arrays(const formats::NpzArchive& npz) : npz_(npz) {
    for (const auto& [name, array] : npz.arrays)
      if (name.rfind("special:", 0) != 0) left_.insert(name);
  }

  // The float32 array `name`, which must have exactly `shape` (Marian writes vectors as [1, n]).
  const float* take(const std::string& name, const std::vector<int64_t>& shape) {
    const formats::NpyArray& array = npz_.at(name);
    if (array.shape != shape)
      throw InputError(fmt::format("{}: array '{}' has shape ({}), the configuration implies ({})",
                                   npz_.path, name, fmt::join(array.shape, ", "),
                                   fmt::join(shape, ", ")));
    left_.erase(name);
    return array.floats(npz_.path, name);
  }
  bool has(const std::string& name) const { return npz_.contains(name); }

  void check_all_taken() const {
    if (!left_.empty())
      throw InputError(fmt::format("{}: array '{}' belongs to no option this importer supports",
                                   npz_.path, *left_.begin()));
  }

 private:
  const formats::NpzArchive& npz_;
  std::set<std::string> left_;
};

void copy_into(const Var& parameter, const float* source, int64_t count) {
  Tensor& value = parameter.mutable_value();
  ATTN_CHECK(value.numel() == count, "import: parameter holds {} values, given {}", value.numel(), count);
  std::copy(source, source + count, value.data());
}

// Marian's x W with W [in, out] is attn's x Wᵀ with weight [out, in].
void copy_transposed(const Var& parameter, const float* source, int64_t in, int64_t out) {
  Tensor& value = parameter.mutable_value();
  ATTN_CHECK(value.numel() == in * out, "import: parameter holds {} values, given {}x{}",
             value.numel(), in, out);
  float* dst = value.data();
  for (int64_t i = 0; i < in; ++i)
    for (int64_t o = 0; o < out; ++o) dst[o * in + i] = source[i * out + o];
}

// Rows of a Marian table [V_marian, cols] into attn's [V_attn, cols]; <pad> and <s> stay zero.
void copy_rows(const Var& parameter, const float* source, int64_t marian_rows, int64_t cols) {
  Tensor& value = parameter.mutable_value();
  std::fill(value.data(), value.data() + value.numel(), 0.0f);
  for (int64_t m = 0; m < marian_rows; ++m)
    std::copy(source + m * cols, source + (m + 1) * cols, value.data() + attn_id(m) * cols);
}

struct Importer {
  const formats::NpzArchive& npz;
  Arrays arrays;
  std::map<std::string, Var> params;
  int64_t d = 0;
  bool pre_norm = false;

  Var param(const std::string& name) {
    auto it = params.find(name);
    ATTN_CHECK(it != params.end(), "import: the model has no parameter '{}'", name);
    return it->second;
  }
  void linear(const std::string& marian, const std::string& w, const std::string& b,
              const std::string& attn, int64_t in, int64_t out) {
    copy_transposed(param(attn + ".weight"), arrays.take(marian + "_" + w, {in, out}), in, out);
    copy_into(param(attn + ".bias"), arrays.take(marian + "_" + b, {1, out}), out);
  }
  void norm(const std::string& marian, const std::string& attn) {
    const std::string suffix = pre_norm ? "_pre" : "";
    copy_into(param(attn + ".weight"), arrays.take(marian + "_ln_scale" + suffix, {1, d}), d);
    copy_into(param(attn + ".bias"), arrays.take(marian + "_ln_bias" + suffix, {1, d}), d);
  }
  void attention(const std::string& marian, const std::string& attn) {
    linear(marian, "Wq", "bq", attn + ".q_proj", d, d);
    linear(marian, "Wk", "bk", attn + ".k_proj", d, d);
    linear(marian, "Wv", "bv", attn + ".v_proj", d, d);
    linear(marian, "Wo", "bo", attn + ".out_proj", d, d);
  }
  void ffn(const std::string& marian, const std::string& attn, int64_t hidden) {
    linear(marian, "W1", "b1", attn + ".fc1", d, hidden);
    linear(marian, "W2", "b2", attn + ".fc2", hidden, d);
  }
};

struct MarianVocabs {
  std::vector<std::string> source, target;
};

// One file for both sides, or source then target; each checked against dim-vocabs and the rows
// of its embedding table.
MarianVocabs read_vocabs(const formats::NpzArchive& npz, const MarianOptions& o,
                         const std::vector<std::string>& vocab_paths, bool shared,
                         const std::string& src_table, const std::string& tgt_table,
                         const std::string& sharing_option) {
  if (vocab_paths.empty() || vocab_paths.size() > 2)
    throw InputError(fmt::format("--vocabs takes 1 (shared) or 2 (source, target) files, got {}",
                                 vocab_paths.size()));
  MarianVocabs v;
  v.source = read_marian_vocab(vocab_paths[0]);
  v.target = vocab_paths.size() == 2 ? read_marian_vocab(vocab_paths[1]) : v.source;
  const std::string& tgt_path = vocab_paths.back();
  if (shared && v.source != v.target)
    throw InputError(fmt::format("{} and {} differ, but the model shares one embedding ({})",
                                 vocab_paths[0], tgt_path, sharing_option));
  const auto src_rows = static_cast<int64_t>(v.source.size());
  const auto tgt_rows = static_cast<int64_t>(v.target.size());
  if (o.has("dim-vocabs")) {
    const std::vector<int64_t> dims = o.numbers("dim-vocabs");
    if (dims.size() != 2) o.unsupported("dim-vocabs", fmt::format("{} entries (multi-source?)", dims.size()));
    if (dims[0] != src_rows)
      throw InputError(fmt::format("{}: {} tokens, but the model's source vocabulary (dim-vocabs) has {}",
                                   vocab_paths[0], src_rows, dims[0]));
    if (dims[1] != tgt_rows)
      throw InputError(fmt::format("{}: {} tokens, but the model's target vocabulary (dim-vocabs) has {}",
                                   tgt_path, tgt_rows, dims[1]));
  }
  auto check_rows = [&](const std::string& table, int64_t rows, const std::string& path) {
    const formats::NpyArray& array = npz.at(table);
    if (array.shape.size() == 2 && array.shape[0] != rows)
      throw InputError(fmt::format("{}: {} tokens, but the embedding '{}' of {} has {} rows", path,
                                   rows, table, npz.path, array.shape[0]));
  };
  check_rows(src_table, src_rows, vocab_paths[0]);
  check_rows(tgt_table, tgt_rows, tgt_path);
  return v;
}

// Options of every Marian model type that this importer does not map: refused by name.
void refuse_common(const MarianOptions& o) {
  for (const char* off : {"ulr", "right-left"})
    if (o.flag(off, false)) o.unsupported(off, "true");
  o.require("factors-dim-emb", {"0"});
  o.require("lemma-dim-emb", {"0"});
  if (!o.empty_list("input-types")) o.unsupported("input-types", "(not empty)");
  if (o.text("output-approx-knn", "") != "" && o.text("output-approx-knn", "") != "[]")
    o.unsupported("output-approx-knn", o.text("output-approx-knn", ""));
}

// The Transformer options of Marian that change the computation: mapped, or refused by name.
TransformerConfig transformer_config(const MarianOptions& o) {
  o.require("transformer-decoder-autoreg", {"self-attention"});
  o.require("transformer-attention-mask", {"default"});
  for (const char* off : {"transformer-no-projection", "transformer-pool", "transformer-rnn-projection",
                          "transformer-train-position-embeddings", "transformer-train-positions",
                          "transformer-learned-positions", "transformer-disable-position-embeddings",
                          "transformer-alibi-shift", "transformer-no-bias", "transformer-no-affine"})
    if (o.flag(off, false)) o.unsupported(off, "true");
  o.require("transformer-ffn-depth", {"2"});
  o.require("transformer-decoder-ffn-depth", {"0", "2"});
  if (!o.empty_list("transformer-tied-layers")) o.unsupported("transformer-tied-layers", "(not empty)");

  // Dropout ('d') is the identity when decoding; what is left decides the block layout.
  auto ops = [&](const char* key) {
    std::string value = o.text(key, "");
    value.erase(std::remove(value.begin(), value.end(), 'd'), value.end());
    return value;
  };
  const std::string pre = ops("transformer-preprocess"), post = ops("transformer-postprocess"),
                    top = ops("transformer-postprocess-top"), emb = ops("transformer-postprocess-emb");
  TransformerConfig c;
  if (!emb.empty()) o.unsupported("transformer-postprocess-emb", o.text("transformer-postprocess-emb"));
  if (pre.empty() && post == "an" && top.empty()) {
    c.pre_norm = false;
  } else if (pre == "n" && post == "a" && top == "n") {
    c.pre_norm = true;
  } else {
    o.unsupported("transformer-preprocess/postprocess/postprocess-top",
                  o.text("transformer-preprocess", "") + "/" + o.text("transformer-postprocess", "") +
                      "/" + o.text("transformer-postprocess-top", ""));
  }
  const std::string activation = o.text("transformer-ffn-activation", "swish");
  if (activation != "relu" && activation != "swish") o.unsupported("transformer-ffn-activation", activation);
  c.activation = parse_activation(activation);
  c.d_model = o.number("dim-emb");
  c.heads = o.number("transformer-heads");
  c.ffn = o.number("transformer-dim-ffn");
  const std::string decoder_ffn = o.text("transformer-decoder-dim-ffn", "0");
  if (decoder_ffn != "0" && decoder_ffn != std::to_string(c.ffn))
    o.unsupported("transformer-decoder-dim-ffn", decoder_ffn);
  c.encoder_layers = o.number("enc-depth");
  c.decoder_layers = o.number("dec-depth");
  if (c.d_model % c.heads != 0)
    o.unsupported("transformer-heads", fmt::format("{} (does not divide dim-emb {})", c.heads, c.d_model));
  if (c.d_model % 2 != 0 || c.d_model < 4) o.unsupported("dim-emb", std::to_string(c.d_model));
  c.dropout = 0;
  c.layer_norm_eps = 1e-6f;  // Marian's transformer layer norm
  c.positions_halves = true;
  c.source_eos = true;
  c.output_specials = false;
  c.output_bias = !o.flag("output-omit-bias", false);
  return c;
}

ModelBundle import_transformer(const formats::NpzArchive& npz, const MarianOptions& o,
                               const std::vector<std::string>& vocab_paths) {
  TransformerConfig c = transformer_config(o);
  const bool tied_all = o.flag("tied-embeddings-all", false);
  const bool tied_src = o.flag("tied-embeddings-src", false);
  const bool tied = tied_all || o.flag("tied-embeddings", false);
  c.shared_vocab = tied_all || tied_src;
  c.tie_output = tied;

  const std::string src_table = c.shared_vocab ? "Wemb" : "encoder_Wemb";
  const std::string tgt_table = c.shared_vocab ? "Wemb" : "decoder_Wemb";
  const MarianVocabs v = read_vocabs(npz, o, vocab_paths, c.shared_vocab, src_table, tgt_table,
                                     tied_all ? "tied-embeddings-all" : "tied-embeddings-src");
  const std::vector<std::string>& src_tokens = v.source;
  const std::vector<std::string>& tgt_tokens = v.target;
  const auto src_rows = static_cast<int64_t>(src_tokens.size());
  const auto tgt_rows = static_cast<int64_t>(tgt_tokens.size());

  ModelBundle bundle;
  bundle.source = {Tokenizer::words(), attn_vocabulary(src_tokens), 0};
  bundle.target = {Tokenizer::words(), attn_vocabulary(tgt_tokens), 0};
  c.src_vocab = bundle.source.vocab.size();
  c.tgt_vocab = bundle.target.vocab.size();
  Rng rng(0);
  auto model = std::make_unique<Transformer>(c, rng);

  Importer im{npz, Arrays(npz), {}, c.d_model, c.pre_norm};
  for (const auto& [name, var] : model->parameters()) im.params.emplace(name, var);
  const int64_t d = c.d_model;
  copy_rows(im.param("encoder.embed_tokens.weight"), im.arrays.take(src_table, {src_rows, d}), src_rows, d);
  if (!c.shared_vocab)
    copy_rows(im.param("decoder.embed_tokens.weight"), im.arrays.take(tgt_table, {tgt_rows, d}), tgt_rows, d);
  for (int64_t i = 0; i < c.encoder_layers; ++i) {
    const std::string m = fmt::format("encoder_l{}", i + 1), a = fmt::format("encoder.layers.{}", i);
    im.attention(m + "_self", a + ".self_attn");
    im.norm(m + "_self_Wo", a + ".self_attn_layer_norm");
    im.ffn(m + "_ffn", a, c.ffn);
    im.norm(m + "_ffn_ffn", a + ".final_layer_norm");
  }
  for (int64_t i = 0; i < c.decoder_layers; ++i) {
    const std::string m = fmt::format("decoder_l{}", i + 1), a = fmt::format("decoder.layers.{}", i);
    im.attention(m + "_self", a + ".self_attn");
    im.norm(m + "_self_Wo", a + ".self_attn_layer_norm");
    im.attention(m + "_context", a + ".encoder_attn");
    im.norm(m + "_context_Wo", a + ".encoder_attn_layer_norm");
    im.ffn(m + "_ffn", a, c.ffn);
    im.norm(m + "_ffn_ffn", a + ".final_layer_norm");
  }
  if (c.pre_norm) {
    // The top norms carry no "_pre" suffix.
    for (const char* side : {"encoder", "decoder"}) {
      const std::string a = std::string(side) + ".layer_norm";
      copy_into(im.param(a + ".weight"), im.arrays.take(std::string(side) + "_top_ln_scale", {1, d}), d);
      copy_into(im.param(a + ".bias"), im.arrays.take(std::string(side) + "_top_ln_bias", {1, d}), d);
    }
  }
  if (!c.tie_output) {
    // Marian's [D, V] output matrix, rows of attn's [V, D] projection permuted to attn's ids.
    const float* w = im.arrays.take("decoder_ff_logit_out_W", {d, tgt_rows});
    std::vector<float> rows(tgt_rows * d);
    for (int64_t i = 0; i < d; ++i)
      for (int64_t v = 0; v < tgt_rows; ++v) rows[v * d + i] = w[i * tgt_rows + v];
    copy_rows(im.param("decoder.output_projection.weight"), rows.data(), tgt_rows, d);
  }
  if (c.output_bias)
    copy_rows(im.param("decoder.output_bias"), im.arrays.take("decoder_ff_logit_out_b", {1, tgt_rows}),
              tgt_rows, 1);
  im.arrays.check_all_taken();
  bundle.model = std::move(model);
  return bundle;
}


// Marian's GRU: W [in, 2H] (gates r | z), Wx [in, H] (candidate), U [H, 2H], Ux [H, H], b [1, 2H],
// bx [1, H], with candidate tanh(x Wx + bx + r ⊙ (s Ux)), or for a cell Marian builds as "final"
// (the second cell of its conditional GRU) tanh(x Wx + r ⊙ (s Ux + bx)): PyTorch's GRU with the
// input weights stacked r | z | n and bx on the input side, or on the recurrent side when final.
void gru(Importer& im, const std::string& marian, const std::string& attn, const std::string& suffix,
         int64_t in, int64_t h, bool final_cell = false) {
  const float* w = im.arrays.take(marian + "_W", {in, 2 * h});
  const float* wx = im.arrays.take(marian + "_Wx", {in, h});
  const float* u = im.arrays.take(marian + "_U", {h, 2 * h});
  const float* ux = im.arrays.take(marian + "_Ux", {h, h});
  const float* b = im.arrays.take(marian + "_b", {1, 2 * h});
  const float* bx = im.arrays.take(marian + "_bx", {1, h});
  auto stack = [](const float* gates, const float* candidate, int64_t rows, int64_t h) {
    std::vector<float> out(rows * 3 * h);  // [rows, 3H]: Marian's layout, x · [W | Wx]
    for (int64_t r = 0; r < rows; ++r) {
      std::copy(gates + r * 2 * h, gates + (r + 1) * 2 * h, out.data() + r * 3 * h);
      std::copy(candidate + r * h, candidate + (r + 1) * h, out.data() + r * 3 * h + 2 * h);
    }
    return out;
  };
  copy_transposed(im.param(attn + ".weight_ih" + suffix), stack(w, wx, in, h).data(), in, 3 * h);
  copy_transposed(im.param(attn + ".weight_hh" + suffix), stack(u, ux, h, h).data(), h, 3 * h);
  const std::vector<float> zeros(h, 0.0f), gate_zeros(2 * h, 0.0f);
  copy_into(im.param(attn + ".bias_ih" + suffix), stack(b, final_cell ? zeros.data() : bx, 1, h).data(),
            3 * h);
  copy_into(im.param(attn + ".bias_hh" + suffix),
            stack(gate_zeros.data(), final_cell ? bx : zeros.data(), 1, h).data(), 3 * h);
}

// Marian's s2s: what the cgru decoder of the RNN family computes, or refused by name.
RnnConfig s2s_config(const MarianOptions& o) {
  o.require("enc-type", {"bidirectional"});
  o.require("enc-cell", {"gru"});
  o.require("dec-cell", {"gru"});
  o.require("enc-depth", {"1"});
  o.require("enc-cell-depth", {"1"});
  o.require("dec-depth", {"1"});
  o.require("dec-cell-base-depth", {"2"});
  o.require("dec-cell-high-depth", {"1"});
  for (const char* off : {"layer-normalization", "skip", "tied-embeddings-all", "tied-embeddings-src"})
    if (o.flag(off, false)) o.unsupported(off, "true");
  RnnConfig c;
  c.decoder = RnnDecoderType::kConditionalGru;
  c.cell = CellType::kGru;
  c.bidirectional = true;
  c.layers = 1;
  c.attention = ScorerType::kConcat;
  c.scope = ScopeType::kGlobal;
  c.input_feeding = false;
  c.bridge = BridgeType::kMean;
  c.dropout = 0;
  c.embed = o.number("dim-emb");
  c.hidden = o.number("dim-rnn");
  c.tie_output = o.flag("tied-embeddings", false);
  c.source_eos = true;
  c.output_specials = false;
  if (o.flag("output-omit-bias", false)) o.unsupported("output-omit-bias", "true");
  return c;
}

ModelBundle import_s2s(const formats::NpzArchive& npz, const MarianOptions& o,
                       const std::vector<std::string>& vocab_paths) {
  RnnConfig c = s2s_config(o);
  const MarianVocabs v =
      read_vocabs(npz, o, vocab_paths, false, "encoder_Wemb", "decoder_Wemb", "");
  const auto src_rows = static_cast<int64_t>(v.source.size());
  const auto tgt_rows = static_cast<int64_t>(v.target.size());
  ModelBundle bundle;
  bundle.source = {Tokenizer::words(), attn_vocabulary(v.source), 0};
  bundle.target = {Tokenizer::words(), attn_vocabulary(v.target), 0};
  c.src_vocab = bundle.source.vocab.size();
  c.tgt_vocab = bundle.target.vocab.size();
  Rng rng(0);
  auto model = std::make_unique<RnnSeq2Seq>(c, rng);
  const int64_t e = c.embed, h = c.hidden, m = 2 * h;
  Importer im{npz, Arrays(npz), {}, e, false};
  for (const auto& [name, var] : model->parameters()) im.params.emplace(name, var);
  copy_rows(im.param("encoder.embed_tokens.weight"), im.arrays.take("encoder_Wemb", {src_rows, e}),
            src_rows, e);
  copy_rows(im.param("decoder.embed_tokens.weight"), im.arrays.take("decoder_Wemb", {tgt_rows, e}),
            tgt_rows, e);
  gru(im, "encoder_bi", "encoder.rnn", "_l0", e, h);
  gru(im, "encoder_bi_r", "encoder.rnn", "_l0_reverse", e, h);
  im.linear("decoder_ff_state", "W", "b", "decoder.bridge", m, h);
  gru(im, "decoder_cell1", "decoder.rnn", "_l0", e, h);
  gru(im, "decoder_cell2", "decoder.context_rnn", "_l0", m, h, /*final_cell=*/true);
  // Additive attention: vᵀ tanh(h_j Wc + b + s W_comb); the bias sits on the query side here.
  copy_transposed(im.param("decoder.attention.linear_context.weight"),
                  im.arrays.take("decoder_Wc_att", {m, m}), m, m);
  copy_transposed(im.param("decoder.attention.linear_query.weight"),
                  im.arrays.take("decoder_W_comb_att", {h, m}), h, m);
  copy_into(im.param("decoder.attention.linear_query.bias"), im.arrays.take("decoder_b_att", {1, m}), m);
  copy_transposed(im.param("decoder.attention.v.weight"), im.arrays.take("decoder_U_att", {m, 1}), m, 1);
  im.linear("decoder_ff_logit_l1", "W0", "b0", "decoder.deep_output.embed", e, e);
  im.linear("decoder_ff_logit_l1", "W1", "b1", "decoder.deep_output.state", h, e);
  im.linear("decoder_ff_logit_l1", "W2", "b2", "decoder.deep_output.context", m, e);
  if (c.tie_output) {
    copy_rows(im.param("decoder.output_bias"), im.arrays.take("decoder_ff_logit_l2_b", {1, tgt_rows}),
              tgt_rows, 1);
  } else {
    const float* w = im.arrays.take("decoder_ff_logit_l2_W", {e, tgt_rows});
    std::vector<float> rows(tgt_rows * e);
    for (int64_t i = 0; i < e; ++i)
      for (int64_t t = 0; t < tgt_rows; ++t) rows[t * e + i] = w[i * tgt_rows + t];
    copy_rows(im.param("decoder.output_projection.weight"), rows.data(), tgt_rows, e);
    copy_rows(im.param("decoder.output_projection.bias"),
              im.arrays.take("decoder_ff_logit_l2_b", {1, tgt_rows}), tgt_rows, 1);
  }
  im.arrays.check_all_taken();
  bundle.model = std::move(model);
  return bundle;
}

}  // namespace

ModelBundle import_marian(const std::string& npz_path, const std::vector<std::string>& vocab_paths) {
  const formats::NpzArchive npz = formats::read_npz(npz_path);
  if (!npz.contains("special:model.yml"))
    throw InputError(npz_path + ": no Marian configuration (array 'special:model.yml'); was it "
                                "saved by Marian?");
  const formats::NpyArray& text = npz.at("special:model.yml");
  if (text.shape.size() != 1 || (text.descr != "|i1" && text.descr != "<i1" && text.descr != "|u1"))
    throw InputError(npz_path + ": array 'special:model.yml' is not text (" + text.descr + ")");
  std::string yaml(text.bytes.begin(), text.bytes.end());
  yaml.erase(std::remove(yaml.begin(), yaml.end(), '\0'), yaml.end());  // Marian 1.12's padding
  YAML::Node root;
  try {
    root = YAML::Load(yaml);
  } catch (const YAML::Exception& e) {
    throw InputError(fmt::format("{}: special:model.yml line {}: {}", npz_path, e.mark.line + 1, e.msg));
  }
  if (!root.IsMap()) throw InputError(npz_path + ": special:model.yml is not a YAML map of options");
  const MarianOptions options(root, npz_path);
  const std::string type = options.text("type");
  if (type != "transformer" && type != "s2s") options.unsupported("type", type);
  refuse_common(options);
  ModelBundle bundle = type == "s2s" ? import_s2s(npz, options, vocab_paths)
                                     : import_transformer(npz, options, vocab_paths);
  const std::string version = options.text("version", "(unknown version)");
  bundle.metadata.config[kImportedFromKey] = "marian " + version;
  bundle.metadata.config[kImportedConfigKey] = options.one_line();
  bundle.metadata.provenance.tool_version = fmt::format("attn {} (import of Marian {})", ATTN_VERSION, version);
  return bundle;
}

}  // namespace attn
