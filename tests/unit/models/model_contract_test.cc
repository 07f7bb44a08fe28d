// What every registered architecture promises, checked the same way for each (and for the
// variants that take another code path: cells, scorers, scopes, controllers, poolings,
// Marian's conventions): step-by-step decoding gives the teacher-forced log-probabilities,
// reorder moves rows as asked, padding changes nothing, the config survives its map and refuses
// unknown keys and malformed values, and a model saved and loaded is the same model in the same
// bytes.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <set>

#include "libattn/autograd/ops.h"
#include "libattn/core/error.h"
#include "libattn/models/model_bundle.h"
#include "libattn/models/pointer_network.h"
#include "libattn/models/registry.h"

namespace attn {
namespace {

constexpr int64_t kVocab = 12;  // 4 specials + 8 tokens; the pointer network's 8 positions

struct Case {
  std::string architecture;
  ConfigMap overrides;  // on top of the tiny preset and the small sizes below
  std::string name;     // the test's name
};

void PrintTo(const Case& c, std::ostream* out) { *out << c.name; }

// Small widths, so every case runs in milliseconds; no dropout, so forward is deterministic.
ConfigMap small_sizes(const std::string& architecture) {
  if (architecture == "transformer") return {{"d_model", "16"}, {"heads", "2"}, {"ffn", "32"}};
  if (architecture == "rnn")
    return {{"embed", "8"}, {"hidden", "16"}, {"window", "2"}, {"max_source_length", "8"}};
  if (architecture == "ntm")
    return {
        {"embed", "8"}, {"controller_size", "16"}, {"memory_slots", "8"}, {"memory_width", "6"}};
  if (architecture == "snail")
    return {{"embed", "8"},
            {"filters", "4"},
            {"dilations", "3"},
            {"key_size", "4"},
            {"value_size", "6"}};
  if (architecture == "pointer") return {{"embed", "16"}, {"hidden", "24"}, {"max_positions", "8"}};
  if (architecture == "classifier")
    return {{"embed", "16"}, {"hidden", "24"}, {"attention_size", "8"}};
  if (architecture == "caption") return {{"embed", "16"}, {"hidden", "24"}, {"max_positions", "9"}};
  return {};
}

ConfigMap case_config(const Case& c) {
  ConfigMap config = default_config(c.architecture, "tiny");
  for (const auto& [key, value] : small_sizes(c.architecture)) config[key] = value;
  if (config.count("dropout")) config["dropout"] = "0";
  config["src_vocab"] = config["tgt_vocab"] = std::to_string(kVocab);
  for (const auto& [key, value] : c.overrides) config[key] = value;
  return config;
}

std::unique_ptr<Seq2SeqModel> make_model(const Case& c, uint64_t seed = 5) {
  Rng rng(seed);
  return create_model(c.architecture, case_config(c), rng);
}

// Sources of 4, 2 and 4 tokens (whole cells of the caption model's 2 features), and targets
// each architecture can be taught: the reversed source; source positions (pointer); one
// label (classifier).
const std::vector<std::vector<int32_t>> kSources = {{4, 5, 6, 7}, {8, 9}, {10, 4, 11, 5}};

std::vector<std::vector<int32_t>> targets_for(const std::string& architecture) {
  if (architecture == "pointer") return {{7, 6, 5, 4}, {5, 4}, {4, 6, 5, 7}};
  if (architecture == "classifier") return {{5}, {6}, {7}};
  return {{7, 6, 5, 4}, {9, 8}, {5, 11, 4, 10}};
}

// Right-padded [B, width] ids, each row `prefix` then the row.
Tensor padded(const std::vector<std::vector<int32_t>>& rows, int32_t prefix = -1) {
  const int64_t extra = prefix >= 0 ? 1 : 0;
  size_t width = 0;
  for (const auto& row : rows) width = std::max(width, row.size());
  Tensor out = Tensor::zeros({int64_t(rows.size()), int64_t(width) + extra}, DType::kI32);
  for (size_t r = 0; r < rows.size(); ++r) {
    if (prefix >= 0) out.ints()[r * (width + extra)] = prefix;
    for (size_t i = 0; i < rows[r].size(); ++i)
      out.ints()[r * (width + extra) + extra + i] = rows[r][i];
  }
  return out;
}

// Closed outputs: -inf in a step, -1e9 or -inf in the teacher-forced logits (pointer).
bool closed(float log_probability) { return log_probability < -1e8f; }

class ModelContract : public ::testing::TestWithParam<Case> {};

TEST_P(ModelContract, IncrementalDecodingMatchesTeacherForcing) {
  auto model = make_model(GetParam());
  const auto targets = targets_for(GetParam().architecture);
  const Tensor tgt_in = padded(targets, model->bos_id());
  const int64_t rows = tgt_in.dim(0), steps = tgt_in.dim(1);
  NoGrad no_grad;
  std::map<std::string, Tensor> maps;
  const Tensor reference =
      log_softmax(model->forward(padded(kSources), tgt_in, {}, &maps)).value().contiguous();
  ASSERT_EQ(reference.shape(), (Shape{rows, steps, kVocab}));
  // A map "attention" [B, T, W] (one row a step) is what each step's attention must show;
  // the classifier's is [B, hops, S], one row a hop.
  const Tensor* map = nullptr;
  if (auto it = maps.find("attention");
      it != maps.end() && it->second.shape().size() == 3 && GetParam().architecture != "classifier")
    map = &it->second;
  const Tensor map_values = map ? map->contiguous() : Tensor();
  auto state = model->encode(kSources);
  for (int64_t t = 0; t < steps; ++t) {
    std::vector<int32_t> prev(rows);
    for (int64_t r = 0; r < rows; ++r) prev[r] = tgt_in.ints()[r * steps + t];
    Tensor attention;
    const Tensor step = model->step(*state, prev, &attention).contiguous();
    ASSERT_EQ(step.shape(), (Shape{rows, kVocab}));
    for (int64_t r = 0; r < rows; ++r) {
      if (t > int64_t(targets[r].size())) continue;  // past the row's end: padding
      for (int64_t v = 0; v < kVocab; ++v) {
        const float expected = reference[(r * steps + t) * kVocab + v], got = step[r * kVocab + v];
        if (closed(expected))
          EXPECT_TRUE(closed(got)) << "t=" << t << " r=" << r << " v=" << v << ": " << got;
        else
          EXPECT_NEAR(got, expected, 2e-4) << "t=" << t << " r=" << r << " v=" << v;
      }
      if (!map) continue;
      const int64_t width = std::min(attention.dim(1), map->dim(2));
      for (int64_t j = 0; j < width; ++j)
        EXPECT_NEAR(attention[r * attention.dim(1) + j],
                    map_values[(r * steps + t) * map->dim(2) + j], 1e-5)
            << "attention t=" << t << " r=" << r << " j=" << j;
    }
  }
}

// Rows reordered (one duplicated, the order swapped) after a step continue exactly as the
// same sources decoded in that order from the start.
TEST_P(ModelContract, ReorderFollowsRows) {
  auto model = make_model(GetParam());
  const auto targets = targets_for(GetParam().architecture);
  const int32_t bos = model->bos_id();
  NoGrad no_grad;
  auto state = model->encode({kSources[0], kSources[2]});
  model->step(*state, {bos, bos}, nullptr);
  model->reorder(*state, {1, 1, 0});
  const Tensor reordered =
      model->step(*state, {targets[2][0], targets[2][0], targets[0][0]}, nullptr).contiguous();
  auto fresh = model->encode({kSources[2], kSources[0]});
  model->step(*fresh, {bos, bos}, nullptr);
  const Tensor direct = model->step(*fresh, {targets[2][0], targets[0][0]}, nullptr).contiguous();
  auto same = [](float a, float b) { return a == b || std::fabs(a - b) < 1e-5f; };
  for (int64_t v = 0; v < kVocab; ++v) {
    EXPECT_PRED2(same, reordered[v], direct[v]) << v;
    EXPECT_PRED2(same, reordered[kVocab + v], direct[v]) << v;
    EXPECT_PRED2(same, reordered[2 * kVocab + v], direct[kVocab + v]) << v;
  }
}

// <pad> columns after a source change none of its logits: every model masks what lies past
// a row's length (a whole padded cell, for the caption model).
TEST_P(ModelContract, PaddingChangesNothing) {
  auto model = make_model(GetParam());
  const Tensor tgt_in = padded({targets_for(GetParam().architecture)[0]}, model->bos_id());
  std::vector<int32_t> with_padding = kSources[0];
  with_padding.insert(with_padding.end(), {0, 0});
  NoGrad no_grad;
  const Tensor exact = model->forward(padded({kSources[0]}), tgt_in, {}).value().contiguous();
  const Tensor padded_out = model->forward(padded({with_padding}), tgt_in, {}).value().contiguous();
  ASSERT_EQ(padded_out.shape(), exact.shape());
  for (int64_t i = 0; i < exact.numel(); ++i) {
    if (padded_out[i] == exact[i]) continue;  // so too a closed output's -inf
    EXPECT_NEAR(padded_out[i], exact[i], 1e-5) << i;
  }
}

TEST_P(ModelContract, ConfigRoundTripsAndRefusesWhatItDoesNotKnow) {
  const std::string& architecture = GetParam().architecture;
  const ConfigMap map = make_model(GetParam())->config_map();
  Rng rng(1);
  EXPECT_EQ(create_model(architecture, map, rng)->config_map(), map);
  auto refused = [&](const std::string& key, const std::string& value) {
    ConfigMap bad = map;
    bad[key] = value;
    Rng r(1);
    EXPECT_THROW(create_model(architecture, bad, r), InputError) << key << " = '" << value << "'";
  };
  refused("no_such_field", "1");
  // Only the vocabulary sizes are required; every other field keeps its default.
  ConfigMap expected = default_config(architecture, "small");
  expected["src_vocab"] = expected["tgt_vocab"] = map.at("tgt_vocab");
  const ConfigMap minimal = {{"src_vocab", map.at("tgt_vocab")},
                             {"tgt_vocab", map.at("tgt_vocab")}};
  if (architecture != "pointer") {  // whose tgt_vocab must be 4 + max_positions
    EXPECT_EQ(create_model(architecture, minimal, rng)->config_map(), expected);
  }
  ConfigMap missing = map;
  missing.erase("src_vocab");
  EXPECT_THROW(create_model(architecture, missing, rng), InputError) << "no src_vocab";
  for (const FieldInfo& field : find_architecture(architecture).fields) {
    for (const char* bad : {"", "256x", " 16", "16 ", "+16", "0x10", "nan", "true1", "maybe"})
      refused(field.key, bad);
    if (field.type == FieldType::kInteger) {
      refused(field.key, "-1");
      refused(field.key, "1.5");
      refused(field.key, std::to_string(int64_t(field.min) - 1));
      refused(field.key, std::to_string(int64_t(field.max) + 1));
    }
    if (field.type == FieldType::kNumber) {
      refused(field.key, fmt::format("{}", field.min - 1));
      if (std::isfinite(field.max)) refused(field.key, fmt::format("{}", field.max + 1));
    }
    // What the table says of the field holds up: its default (but for the vocabulary sizes,
    // which the data sets) and presets are in bounds.
    if (!field.from_data) {
      EXPECT_NO_THROW(check_field_value(field, field.default_value, architecture)) << field.key;
    }
    for (const auto& [preset, value] : field.presets)
      EXPECT_NO_THROW(check_field_value(field, value, architecture)) << field.key << " " << preset;
  }
}

std::string file_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

TEST_P(ModelContract, SaveAndLoadGiveTheSameModelAndBytes) {
  ModelBundle bundle;
  bundle.model = make_model(GetParam());
  std::vector<std::string> tokens = Vocabulary().tokens();
  while (int64_t(tokens.size()) < kVocab) tokens.push_back("w" + std::to_string(tokens.size()));
  bundle.source.vocab = bundle.target.vocab = Vocabulary::from_tokens(tokens);
  if (GetParam().architecture == "pointer")
    bundle.target.vocab = pointer_target_vocabulary(bundle.model->config_map());
  const std::string path = ::testing::TempDir() + "contract_" + GetParam().name + ".attn";
  const std::string again = ::testing::TempDir() + "contract_" + GetParam().name + "_again.attn";
  save_bundle(path, formats::FileKind::kModel, bundle);
  ModelBundle loaded = load_bundle(path, BindMode::kCopy);
  EXPECT_EQ(loaded.model->architecture(), GetParam().architecture);
  EXPECT_EQ(loaded.model->config_map(), bundle.model->config_map());
  const NamedParameters saved = bundle.model->parameters(), read = loaded.model->parameters();
  ASSERT_EQ(saved.size(), read.size());
  for (size_t i = 0; i < saved.size(); ++i) {
    EXPECT_EQ(saved[i].first, read[i].first);
    const Tensor a = saved[i].second.value().contiguous(), b = read[i].second.value().contiguous();
    ASSERT_EQ(a.shape(), b.shape()) << saved[i].first;
    EXPECT_EQ(std::memcmp(a.data(), b.data(), a.numel() * sizeof(float)), 0) << saved[i].first;
  }
  save_bundle(again, formats::FileKind::kModel, loaded);
  EXPECT_EQ(file_bytes(path), file_bytes(again));
  std::remove(path.c_str());
  std::remove(again.c_str());
}

const std::vector<Case> kCases = {
    {"transformer", {}, "transformer"},
    {"transformer", {{"pre_norm", "true"}, {"tie_output", "false"}}, "transformer_pre_norm_untied"},
    {"transformer",
     {{"activation", "swish"},
      {"output_bias", "true"},
      {"layer_norm_eps", "1e-06"},
      {"positions", "halves"},
      {"source_eos", "true"},
      {"output_specials", "false"}},
     "transformer_marian"},
    {"rnn", {{"cell", "gru"}, {"attention", "general"}}, "rnn_gru_general_global"},
    {"rnn",
     {{"attention", "concat"}, {"attention_scope", "local-p"}, {"layers", "2"}},
     "rnn_lstm_concat_local_p"},
    {"rnn",
     {{"cell", "gru"}, {"attention", "dot"}, {"attention_scope", "local-m"}},
     "rnn_gru_dot_local_m"},
    {"rnn",
     {{"attention", "location"}, {"attention_scope", "monotonic"}, {"bridge", "final"}},
     "rnn_lstm_location_monotonic"},
    {"rnn",
     {{"cell", "gru"}, {"attention", "cosine"}, {"attention_scope", "hard"}, {"bridge", "zero"}},
     "rnn_gru_cosine_hard"},
    {"rnn",
     {{"attention", "scaled-dot"},
      {"input_feeding", "false"},
      {"bidirectional", "false"},
      {"bridge", "final"}},
     "rnn_lstm_scaled_dot_unidirectional"},
    {"rnn",
     {{"cell", "gru"},
      {"attention", "concat"},
      {"decoder", "cgru"},
      {"input_feeding", "false"},
      {"tie_output", "true"}},
     "rnn_cgru"},
    {"rnn",
     {{"cell", "gru"},
      {"attention", "concat"},
      {"decoder", "cgru"},
      {"input_feeding", "false"},
      {"tie_output", "true"},
      {"source_eos", "true"},
      {"output_specials", "false"}},
     "rnn_cgru_marian"},
    {"ntm", {}, "ntm_lstm"},
    {"ntm",
     {{"controller", "gru"}, {"read_heads", "2"}, {"write_heads", "2"}},
     "ntm_gru_two_heads"},
    {"ntm", {{"controller", "feedforward"}, {"shift_range", "2"}}, "ntm_feedforward"},
    {"ntm", {{"output_feed", "none"}}, "ntm_output_feed_none"},
    {"snail", {}, "snail"},
    {"pointer", {{"bidirectional", "false"}}, "pointer_lstm"},
    {"pointer", {{"cell", "gru"}, {"mask_chosen", "true"}}, "pointer_gru_mask_chosen"},
    {"pointer",
     {{"mask_chosen", "true"}, {"layers", "2"}, {"bidirectional", "false"}},
     "pointer_two_layers"},
    {"classifier", {}, "classifier_static"},
    {"classifier", {{"pooling", "self-attentive"}, {"hops", "2"}}, "classifier_self_attentive"},
    {"classifier", {{"pooling", "key-value"}, {"cell", "lstm"}}, "classifier_key_value"},
    {"caption", {}, "caption"},
    {"caption", {{"cell", "gru"}, {"attention", "general"}}, "caption_gru_general"},
    {"caption", {{"penalty", "0.5"}}, "caption_penalty"},
};

INSTANTIATE_TEST_SUITE_P(Every, ModelContract, ::testing::ValuesIn(kCases),
                         [](const auto& info) { return info.param.name; });

// The cases cover every registered architecture: a new one gets the contract too.
TEST(ModelContract, CoversEveryArchitecture) {
  std::set<std::string> covered;
  for (const Case& c : kCases) covered.insert(c.architecture);
  for (const std::string& architecture : known_architectures())
    EXPECT_TRUE(covered.count(architecture)) << architecture << " has no contract case";
}

}  // namespace
}  // namespace attn
