// Config fields several models have with the same meaning, choices and spelling, written once
// so every table that lists them says the same thing (config_fields.h has the field kinds).
//
//   static const ConfigFields<C> table = {
//       ..., cell_field(&C::cell), bidirectional_field(&C::bidirectional),
//       scorer_field(&C::attention, "attention score (additive = concat)"), ...};
#pragma once

#include <vector>

#include "libattn/attention/scopes.h"
#include "libattn/attention/scorers.h"
#include "libattn/models/config_fields.h"
#include "libattn/nn/recurrent_cell.h"

namespace attn {

// `order`: how --help lists the two (a config lists its default first).
template <typename C>
ConfigField<C> cell_field(CellType C::*member,
                          std::vector<CellType> order = {CellType::kLstm, CellType::kGru}) {
  return choice_field("cell", member, std::move(order), cell_type_name, "recurrent cell");
}

template <typename C>
ConfigField<C> bidirectional_field(bool C::*member) {
  return boolean_field("bidirectional", member, "bidirectional encoder");
}

// The classic scorers (Luong et al. 2015), older files' spellings taken too.
template <typename C>
ConfigField<C> scorer_field(ScorerType C::*member, const char* help) {
  return choice_field("attention", member,
                      {ScorerType::kDot, ScorerType::kGeneral, ScorerType::kConcat,
                       ScorerType::kScaledDot, ScorerType::kLocation, ScorerType::kCosine},
                      scorer_name, help, {}, parse_scorer);
}

// attn-train's flag --attention-scope; the struct member is `scope`.
template <typename C>
ConfigField<C> scope_field(ScopeType C::*member, const char* help) {
  return choice_field("attention_scope", member,
                      {ScopeType::kGlobal, ScopeType::kLocalM, ScopeType::kLocalP, ScopeType::kHard,
                       ScopeType::kMonotonic},
                      scope_name, help, {}, parse_scope);
}

// What imported Marian models need (marian_import.h); keys added after version-1 files.
template <typename C>
ConfigField<C> source_eos_field(bool C::*member) {
  return omitted_at_default(
      boolean_field("source_eos", member, "every source ends with </s> (Marian)"));
}

template <typename C>
ConfigField<C> output_specials_field(bool C::*member) {
  return omitted_at_default(
      boolean_field("output_specials", member, "false: <pad> and <s> get no probability"));
}

}  // namespace attn
