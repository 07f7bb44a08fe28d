#!/usr/bin/env python3
"""A PyTorch twin of attn's RNN encoder-decoder (attn-train --model rnn), for checking exports.

    import attn_rnn_reference as ref
    model = ref.load("model.npz")                     # or .safetensors, from attn-export
    logits = model(src, tgt_in)                       # LongTensor [B, S], [B, T] -> [B, T, V]
    logits, attention = model(src, tgt_in, return_attention=True)   # attention [B, T, S]

    python3 docs/attn_rnn_reference.py model.npz --src "3 4 5" --tgt "2 7 8"   # logits as JSON
    python3 docs/attn_rnn_reference.py --self-test

It is written from the model's definition (Bahdanau et al. 2015; Luong et al. 2015; the
equations in libattn/models/rnn_seq2seq.h and the scorer and scope headers), not from attn's
code. Shapes: B batch, S source length, T target length, E embedding width, H hidden width,
V target vocabulary.

- A source row's length is one past its last non-zero id (trailing 0s are padding).
- Encoder: GRU or LSTM cells in PyTorch's gate layout (GRU rows r|z|n with the reset gate on
  W_hn h + b_hn; LSTM rows i|f|g|o), stacked; bidirectional with H/2 units a direction, the
  directions' outputs concatenated [forward; reverse]; a padded step keeps the state, so the
  reverse direction starts at the last real token.
- Bridge: s_0 = tanh(W_b · summary + b_b) split into H-wide parts, layer by layer (h, then c
  for an LSTM); summary = the masked mean of the memory (mean), or the top layer's final
  [forward h; reverse h] (final); zeros when the bridge is zero.
- Decoder step t: x = [E y_{t-1}; h̃_{t-1}] (h̃_{t-1} only with input feeding, h̃_{-1} = 0);
  s_t = stacked cells; scores by the scorer; weights by the scope; c_t = Σ_j a_tj h_j;
  h̃_t = tanh(W_c [c_t; s_t]) (no bias); logits = W_s h̃_t + b_s.
- Scorers: dot sᵀh; general sᵀ(W h); concat vᵀ tanh(W1 h + W2 s + b); scaled-dot sᵀh/sqrt(H);
  location (W s + b)[:S]; cosine softplus(w·s + b) · s·h / (max(|s|, 1e-8) max(|h|, 1e-8)).
- Scopes: global softmax over real tokens; local-m softmax over |j - p_t| <= D with
  p_t = min(t, S_b - 1); local-p the same window around p_t = S_b σ(v_pᵀ tanh(W_p s_t)), times
  exp(-(j - p_t)² / 2σ²) with σ = D/2 (not renormalised, Luong eq. 10); hard, at inference,
  one-hot at the argmax of the scores; monotonic softmax over j >= the previous step's argmax
  of the weights. A row with nothing left to attend to gets zero weights.
Dropout is a training-time effect only; this module computes the eval-mode forward pass.
Parameter names are attn's tensor names, so state_dict() loads a file with no renaming.
Needs torch, numpy and attn_reference.py beside it (the file readers and writers).
"""

import sys

import torch
import torch.nn.functional as F
from torch import nn

import attn_reference

PAD_ID = 0
COSINE_EPS = 1e-8
NAMING_REVISION = "1"  # RnnSeq2Seq::kNamingRevision

# attn's RnnConfig::to_map keys, values as text.
INT_KEYS = ("src_vocab", "tgt_vocab", "embed", "hidden", "layers", "window", "max_source_length")
BOOL_KEYS = ("bidirectional", "input_feeding")
FLOAT_KEYS = ("dropout",)
CHOICES = {"cell": ("gru", "lstm"),
           "attention": ("dot", "general", "concat", "scaled-dot", "location", "cosine"),
           "attention_scope": ("global", "local-m", "local-p", "hard", "monotonic"),
           "bridge": ("mean", "final", "zero")}
CONFIG_KEYS = INT_KEYS + BOOL_KEYS + FLOAT_KEYS + tuple(CHOICES)


def parse_config(raw):
    """Config map (text values, as attn writes them) -> typed dict; checks the architecture."""
    if raw.get("architecture", "rnn") != "rnn":
        raise ValueError(f"architecture '{raw['architecture']}' is not 'rnn' (a Transformer: docs/attn_reference.py)")
    if str(raw.get("naming_revision", NAMING_REVISION)) != NAMING_REVISION:
        raise ValueError(f"naming_revision {raw['naming_revision']}: this reference knows revision {NAMING_REVISION}")
    missing = [k for k in CONFIG_KEYS if k not in raw]
    if missing:
        raise ValueError(f"rnn model config lacks {', '.join(missing)}; found keys {sorted(raw)}")
    config = {k: int(raw[k]) for k in INT_KEYS}
    config.update({k: float(raw[k]) for k in FLOAT_KEYS})
    config.update({k: attn_reference.parse_bool(raw, k) for k in BOOL_KEYS})
    for key, choices in CHOICES.items():
        # Older files spell "scaled_dot", "local_p"; "additive" is concat's other name.
        value = str(raw[key]).replace("_", "-")
        value = "concat" if value == "additive" else value
        if value not in choices:
            raise ValueError(f"rnn model config field '{key}' is '{raw[key]}', expected one of {', '.join(choices)}")
        config[key] = value
    if config["bidirectional"] and config["hidden"] % 2:
        raise ValueError(f"a bidirectional encoder needs an even hidden size, got {config['hidden']}")
    return config


def config_to_map(config):
    """Typed config -> attn's text map (what the exporters store)."""
    out = {"architecture": "rnn", "naming_revision": NAMING_REVISION}
    for key in CONFIG_KEYS:
        value = config[key]
        out[key] = ("true" if value else "false") if key in BOOL_KEYS else f"{value:g}" if key in FLOAT_KEYS else str(value)
    return out


def source_lengths(src):
    """[B, S] -> [B]: one past the last non-padding id (a 0 before it is a token, as in attn)."""
    positions = torch.arange(1, src.shape[1] + 1)[None, :]
    return (positions * (src != PAD_ID)).max(1).values


def cell_step(kind, x, state, weight_ih, weight_hh, bias_ih, bias_hh):
    """One GRU (Cho et al. 2014) or LSTM (Hochreiter & Schmidhuber 1997) step in PyTorch's
    layout. x [B, in]; state (h,) or (h, c), each [B, H] -> the new state."""
    gx = F.linear(x, weight_ih, bias_ih)
    gh = F.linear(state[0], weight_hh, bias_hh)
    if kind == "gru":
        x_r, x_z, x_n = gx.chunk(3, -1)
        h_r, h_z, h_n = gh.chunk(3, -1)
        reset, update = torch.sigmoid(x_r + h_r), torch.sigmoid(x_z + h_z)
        candidate = torch.tanh(x_n + reset * h_n)  # reset scales W_hn h + b_hn: PyTorch's variant
        return ((1 - update) * candidate + update * state[0],)
    i, f, g, o = (gx + gh).chunk(4, -1)
    c = torch.sigmoid(f) * state[1] + torch.sigmoid(i) * torch.tanh(g)
    return (torch.sigmoid(o) * torch.tanh(c), c)


class StackedRnn(nn.Module):
    """GRU/LSTM layers under torch.nn.GRU/LSTM's names: weight_ih_l0, bias_hh_l1_reverse, ..."""

    def __init__(self, kind, input_size, hidden_size, layers, bidirectional):
        super().__init__()
        self.kind, self.hidden_size, self.layers = kind, hidden_size, layers
        self.suffixes = ("", "_reverse") if bidirectional else ("",)
        gates = (3 if kind == "gru" else 4) * hidden_size
        for layer in range(layers):
            width = input_size if layer == 0 else len(self.suffixes) * hidden_size
            for suffix in self.suffixes:
                for name, shape in (("weight_ih", (gates, width)), ("weight_hh", (gates, hidden_size)),
                                    ("bias_ih", (gates,)), ("bias_hh", (gates,))):
                    self.register_parameter(f"{name}_l{layer}{suffix}", nn.Parameter(torch.zeros(shape)))

    def zero_state(self, batch, dtype):
        zeros = torch.zeros(batch, self.hidden_size, dtype=dtype)
        return (zeros,) if self.kind == "gru" else (zeros, zeros)

    def step(self, layer, x, state, suffix=""):
        weights = (getattr(self, f"{name}_l{layer}{suffix}") for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"))
        return cell_step(self.kind, x, state, *weights)

    def forward(self, x, lengths):
        """x [B, S, in], lengths [B] -> (outputs [B, S, directions·H], final states in h_n
        order: layer-major, forward before reverse). A step past a row's length keeps its state."""
        batch, steps = x.shape[:2]
        real = torch.arange(steps)[None, :] < lengths[:, None]  # [B, S]
        finals = []
        for layer in range(self.layers):
            directions = []
            for suffix in self.suffixes:
                state, outputs = self.zero_state(batch, x.dtype), [None] * steps
                for t in (reversed(range(steps)) if suffix else range(steps)):
                    fresh = self.step(layer, x[:, t], state, suffix)
                    state = tuple(torch.where(real[:, t, None], new, old) for new, old in zip(fresh, state))
                    outputs[t] = state[0]
                directions.append(torch.stack(outputs, 1))
                finals.append(state)
            x = torch.cat(directions, -1)
        return x, finals


def masked_softmax(scores, keep):
    """softmax over the kept positions (keep bool [B, S]); a row with none kept gets zeros."""
    weights = torch.softmax(scores.masked_fill(~keep, float("-inf")), -1)
    return weights.masked_fill(~keep.any(-1, keepdim=True), 0.0)


class Attention(nn.Module):
    """decoder.attention.*: the scorer's and the scope's parameters, and W_c (linear_out)."""

    def __init__(self, c):
        super().__init__()
        h = c["hidden"]
        self.scorer, self.scope, self.window = c["attention"], c["attention_scope"], c["window"]
        if self.scorer == "general":
            self.linear_in = nn.Linear(h, h, bias=False)
        elif self.scorer == "concat":
            self.linear_context = nn.Linear(h, h, bias=False)
            self.linear_query = nn.Linear(h, h)
            self.v = nn.Linear(h, 1, bias=False)
        elif self.scorer == "location":
            self.linear_location = nn.Linear(h, c["max_source_length"])
        elif self.scorer == "cosine":
            self.linear_sharpness = nn.Linear(h, 1)
        if self.scope == "local-p":
            self.position_hidden = nn.Linear(h, h, bias=False)
            self.position_out = nn.Linear(h, 1, bias=False)
        self.linear_out = nn.Linear(2 * h, h, bias=False)

    def keys(self, memory):
        """The query-independent half of the scores: [B, S, H] -> [B, S, H]."""
        if self.scorer == "general":
            return self.linear_in(memory)
        if self.scorer == "concat":
            return self.linear_context(memory)
        return memory

    def score(self, query, keys):
        """query s_t [B, H], keys [B, S, H] -> [B, S]."""
        dot = torch.bmm(keys, query[:, :, None])[:, :, 0]
        if self.scorer in ("dot", "general"):
            return dot
        if self.scorer == "scaled-dot":
            return dot / query.shape[1] ** 0.5
        if self.scorer == "concat":
            return self.v(torch.tanh(keys + self.linear_query(query)[:, None, :]))[:, :, 0]
        if self.scorer == "location":
            length, positions = keys.shape[1], self.linear_location.out_features
            if length > positions:
                raise ValueError(f"source of {length} tokens is longer than max_source_length {positions}")
            return self.linear_location(query)[:, :length]
        # cosine: a key strength β >= 0 times the cosine match (Graves et al. 2014, NTM addressing).
        sharpness = F.softplus(self.linear_sharpness(query))  # [B, 1]
        norms = query.norm(dim=1).clamp_min(COSINE_EPS)[:, None] * keys.norm(dim=2).clamp_min(COSINE_EPS)
        return sharpness * dot / norms

    def weights(self, scores, query, lengths, t, previous):
        """scores [B, S] at target step t -> (weights [B, S], argmax [B] for monotonic)."""
        positions = torch.arange(scores.shape[1], dtype=scores.dtype)[None, :]
        real = positions < lengths[:, None]
        if self.scope == "global":
            return masked_softmax(scores, real), previous
        if self.scope == "local-m":
            # p_t = t, held at the last real token once t runs past the source.
            centre = torch.clamp(lengths - 1, min=0).clamp(max=t).to(scores.dtype)[:, None]
            return masked_softmax(scores, real & ((positions - centre).abs() <= self.window)), previous
        if self.scope == "local-p":
            centre = lengths[:, None].to(scores.dtype) * torch.sigmoid(
                self.position_out(torch.tanh(self.position_hidden(query))))  # [B, 1], in [0, S_b]
            aligned = masked_softmax(scores, real & ((positions - centre).abs() <= self.window))
            sigma = self.window / 2
            return aligned * torch.exp(-((positions - centre) ** 2) / (2 * sigma * sigma)), previous
        if self.scope == "hard":
            # At inference hard attention is the argmax of the scores (training adds Gumbel noise).
            best = scores.masked_fill(~real, float("-inf")).argmax(-1)
            return F.one_hot(best, scores.shape[1]).to(scores.dtype) * real.any(-1, keepdim=True), previous
        weights = masked_softmax(scores, real & (positions >= previous[:, None]))  # monotonic
        return weights, weights.argmax(-1)


class Encoder(nn.Module):
    def __init__(self, c):
        super().__init__()
        directions = 2 if c["bidirectional"] else 1
        self.embed_tokens = nn.Embedding(c["src_vocab"], c["embed"])
        self.rnn = StackedRnn(c["cell"], c["embed"], c["hidden"] // directions, c["layers"], c["bidirectional"])


class Decoder(nn.Module):
    def __init__(self, c):
        super().__init__()
        h = c["hidden"]
        self.embed_tokens = nn.Embedding(c["tgt_vocab"], c["embed"])
        if c["bridge"] != "zero":
            self.bridge = nn.Linear(h, c["layers"] * h * (2 if c["cell"] == "lstm" else 1))
        self.rnn = StackedRnn(c["cell"], c["embed"] + (h if c["input_feeding"] else 0), h, c["layers"], False)
        self.attention = Attention(c)
        self.output_projection = nn.Linear(h, c["tgt_vocab"])


class AttnRnnSeq2Seq(nn.Module):
    """attn's RNN encoder-decoder; parameter names match attn's file names."""

    def __init__(self, config):
        super().__init__()
        self.config = dict(config)
        self.encoder = Encoder(self.config)
        self.decoder = Decoder(self.config)

    def initial_states(self, memory, lengths, finals):
        """The decoder's s_0, one state per layer, from the bridge."""
        c, batch = self.config, memory.shape[0]
        if c["bridge"] == "zero":
            return [self.decoder.rnn.zero_state(batch, memory.dtype) for _ in range(c["layers"])]
        if c["bridge"] == "mean":
            real = (torch.arange(memory.shape[1])[None, :] < lengths[:, None]).to(memory.dtype)
            summary = (memory * real[:, :, None]).sum(1) / lengths.clamp(min=1)[:, None].to(memory.dtype)
        else:  # final: the top layer's last states, [forward; reverse] as Bahdanau et al. §3.1
            top = finals[-2:] if c["bidirectional"] else finals[-1:]
            summary = torch.cat([state[0] for state in top], -1)
        parts = torch.tanh(self.decoder.bridge(summary)).split(c["hidden"], -1)
        per_layer = 2 if c["cell"] == "lstm" else 1
        return [tuple(parts[per_layer * layer : per_layer * (layer + 1)]) for layer in range(c["layers"])]

    def forward(self, src, tgt_in, return_attention=False):
        """src [B, S], tgt_in [B, T] (BOS first) -> logits [B, T, V] (and attention [B, T, S])."""
        lengths = source_lengths(src)
        memory, finals = self.encoder.rnn(self.encoder.embed_tokens(src), lengths)  # [B, S, H]
        attention = self.decoder.attention
        keys = attention.keys(memory)
        states = self.initial_states(memory, lengths, finals)
        attentional = memory.new_zeros(src.shape[0], self.config["hidden"])  # h̃_{-1}
        previous = torch.zeros(src.shape[0], dtype=torch.long)
        logits, maps = [], []
        for t in range(tgt_in.shape[1]):
            x = self.decoder.embed_tokens(tgt_in[:, t])
            if self.config["input_feeding"]:
                x = torch.cat([x, attentional], -1)  # Luong §3.3
            for layer in range(self.config["layers"]):
                states[layer] = self.decoder.rnn.step(layer, x, states[layer])
                x = states[layer][0]
            weights, previous = attention.weights(attention.score(x, keys), x, lengths, t, previous)
            context = torch.bmm(weights[:, None, :], memory)[:, 0]
            attentional = torch.tanh(attention.linear_out(torch.cat([context, x], -1)))  # Luong eq. 5
            logits.append(self.decoder.output_projection(attentional))  # Luong eq. 6, before softmax
            maps.append(weights)
        logits = torch.stack(logits, 1)
        return (logits, torch.stack(maps, 1)) if return_attention else logits


def load(path, dtype=torch.float32):
    """Builds the model a file describes and loads its weights."""
    tensors, config_map = attn_reference.read_weights(path)
    model = AttnRnnSeq2Seq(parse_config(config_map)).to(dtype)
    attn_reference.load_tensors(model, tensors)
    return model.eval()


# -- self-test ------------------------------------------------------------------------------

BASE = dict(src_vocab=13, tgt_vocab=11, embed=6, hidden=8, layers=2, window=2, max_source_length=9,
            bidirectional=True, input_feeding=True, dropout=0.3, cell="gru", attention="general",
            attention_scope="global", bridge="mean")


def _random_model(config, seed):
    torch.manual_seed(seed)
    model = AttnRnnSeq2Seq(config).double().eval()
    with torch.no_grad():
        for p in model.parameters():
            p.uniform_(-0.6, 0.6)
    return model


def self_test():
    """Checks this module against torch.nn's layers and its own invariants."""
    import tempfile

    check = attn_reference._check
    results = []
    torch.manual_seed(0)
    with torch.no_grad():
        for kind, torch_cell, torch_rnn in (("gru", nn.GRUCell, nn.GRU), ("lstm", nn.LSTMCell, nn.LSTM)):
            # One cell against torch.nn.GRUCell / LSTMCell: the same names, the same gate layout.
            ref = torch_cell(5, 4).double()
            x, h, c = (torch.randn(3, width, dtype=torch.float64) for width in (5, 4, 4))
            weights = (getattr(ref, n) for n in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"))
            ours = cell_step(kind, x, (h,) if kind == "gru" else (h, c), *weights)
            theirs = (ref(x, h),) if kind == "gru" else ref(x, (h, c))
            err = max((a - b).abs().max().item() for a, b in zip(ours, theirs))
            results.append(check(f"{kind} cell == nn.{torch_cell.__name__}", err < 1e-12, f"max |diff| {err:.2e}"))

            # A padded batch through 2 bidirectional layers against torch.nn.GRU / LSTM on a
            # packed sequence: the state dict loads strictly, so the names are torch's too.
            ours_rnn = StackedRnn(kind, 5, 4, 2, True).double()
            ref = torch_rnn(5, 4, 2, batch_first=True, bidirectional=True).double()
            ours_rnn.load_state_dict(ref.state_dict())
            x, lengths = torch.randn(3, 6, 5, dtype=torch.float64), torch.tensor([6, 3, 1])
            outputs, finals = ours_rnn(x, lengths)
            packed = nn.utils.rnn.pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
            theirs, last = ref(packed)
            theirs, _ = nn.utils.rnn.pad_packed_sequence(theirs, batch_first=True, total_length=6)
            real = (torch.arange(6)[None, :] < lengths[:, None])[:, :, None]
            err = ((outputs - theirs) * real).abs().max().item()
            last = (last,) if kind == "gru" else last
            err_final = max((torch.stack([s[i] for s in finals]) - last[i]).abs().max().item() for i in range(len(last)))
            results.append(check(f"bidirectional 2-layer {kind} == nn.{torch_rnn.__name__} (packed)",
                                 err < 1e-12 and err_final < 1e-12, f"outputs {err:.2e}, final states {err_final:.2e}"))

        # scaled-dot + global is single-head dot-product attention: nn.MultiheadAttention with
        # identity projections computes the same context.
        model = _random_model(dict(BASE, attention="scaled-dot"), 1)
        attention = model.decoder.attention
        mha = nn.MultiheadAttention(8, 1, batch_first=True).double()
        mha.in_proj_weight.copy_(torch.eye(8).repeat(3, 1))
        mha.in_proj_bias.zero_()
        mha.out_proj.weight.copy_(torch.eye(8))
        mha.out_proj.bias.zero_()
        query, memory = torch.randn(3, 8, dtype=torch.float64), torch.randn(3, 5, 8, dtype=torch.float64)
        lengths = torch.tensor([5, 2, 4])
        weights, _ = attention.weights(attention.score(query, attention.keys(memory)), query, lengths, 0, None)
        theirs, _ = mha(query[:, None], memory, memory, key_padding_mask=torch.arange(5)[None, :] >= lengths[:, None])
        err = (torch.bmm(weights[:, None], memory) - theirs).abs().max().item()
        results.append(check("scaled-dot global == nn.MultiheadAttention (1 head, identity projections)", err < 1e-12,
                             f"max |diff| {err:.2e}"))
        # cosine: our cosine against F.cosine_similarity, β = softplus against F.softplus.
        attention = _random_model(dict(BASE, attention="cosine"), 2).decoder.attention
        beta = F.softplus(attention.linear_sharpness(query))
        theirs = beta * F.cosine_similarity(query[:, None, :], memory, dim=-1)
        err = (attention.score(query, memory) - theirs).abs().max().item()
        results.append(check("cosine scorer == softplus(w·s+b) · F.cosine_similarity", err < 1e-12, f"max |diff| {err:.2e}"))

        # Every scorer, scope, cell and bridge: weights behave, padding is invisible.
        src = torch.tensor([[3, 4, 5, 6, 7, 8], [3, 4, 5, 0, 0, 0]])
        tgt = torch.tensor([[2, 7, 8, 9, 4, 5, 6, 3], [2, 7, 8, 0, 0, 0, 0, 0]])
        variants = [dict(attention=a) for a in CHOICES["attention"]]
        variants += [dict(attention_scope=s, attention=a) for s in CHOICES["attention_scope"][1:] for a in ("dot", "concat")]
        variants += [dict(cell="lstm", bridge=b, input_feeding=f, bidirectional=d, layers=n)
                     for b, f, d, n in (("mean", True, True, 2), ("final", False, True, 1), ("zero", True, False, 2),
                                        ("final", True, False, 1))]
        for seed, variant in enumerate(variants):
            c = dict(BASE, **variant)
            model = _random_model(c, 10 + seed)
            logits, maps = model(src, tgt, return_attention=True)
            tag = ", ".join(f"{k} {v}" for k, v in variant.items())
            padding = maps[1, :, 3:].abs().max().item()
            sums = maps.sum(-1)
            if c["attention_scope"] == "local-p":
                sums_ok = bool(((sums > 0) & (sums <= 1 + 1e-12)).all())  # the Gaussian takes some mass off
            else:
                sums_ok = (sums - 1).abs().max().item() < 1e-12
            if c["attention_scope"] == "local-m":  # p_t = min(t, S_b - 1), D = 2
                centre = torch.clamp(torch.arange(8), max=5)[:, None]
                sums_ok = sums_ok and maps[0][(torch.arange(6)[None, :] - centre).abs() > 2].abs().max().item() == 0
            if c["attention_scope"] == "hard":
                sums_ok = sums_ok and bool(((maps == 0) | (maps == 1)).all())
            if c["attention_scope"] == "monotonic":
                sums_ok = sums_ok and bool((maps[0].argmax(-1).diff() >= 0).all())
            results.append(check(f"{tag}: weights sum as the scope says, none on padding", sums_ok and padding == 0,
                                 f"padding {padding:.1e}"))
            alone = model(src[1:, :3], tgt[1:, :3])
            longer = model(torch.cat([src, torch.zeros(2, 2, dtype=torch.long)], 1), tgt)
            err = max((alone - logits[1:, :3]).abs().max().item(), (longer - logits).abs().max().item())
            results.append(check(f"{tag}: source padding changes no logit", err < 1e-12, f"max |diff| {err:.2e}"))

    # Every naming variant, written to both formats and read back.
    with tempfile.TemporaryDirectory() as tmp:
        for variant in (dict(), dict(cell="lstm", bridge="final", attention="concat"),
                        dict(bridge="zero", bidirectional=False, layers=1, attention="location"),
                        dict(attention="cosine", attention_scope="local-p", input_feeding=False)):
            c = dict(BASE, **variant)
            model = _random_model(c, 3)
            names = set(model.state_dict())
            want = {"encoder.embed_tokens.weight", "encoder.rnn.weight_ih_l0", "decoder.embed_tokens.weight",
                    "decoder.rnn.bias_hh_l0", "decoder.attention.linear_out.weight", "decoder.output_projection.weight",
                    "decoder.output_projection.bias"}
            want |= {"encoder.rnn.weight_hh_l1_reverse"} if c["bidirectional"] and c["layers"] > 1 else set()
            want |= {"decoder.bridge.weight", "decoder.bridge.bias"} if c["bridge"] != "zero" else set()
            want |= {"general": {"decoder.attention.linear_in.weight"},
                     "concat": {"decoder.attention.linear_context.weight", "decoder.attention.linear_query.bias",
                                "decoder.attention.v.weight"},
                     "location": {"decoder.attention.linear_location.bias"},
                     "cosine": {"decoder.attention.linear_sharpness.weight"}}.get(c["attention"], set())
            want |= {"decoder.attention.position_hidden.weight", "decoder.attention.position_out.weight"} \
                if c["attention_scope"] == "local-p" else set()
            results.append(check(f"names {variant or 'default'}", want <= names, f"missing {sorted(want - names)}"))
            results += attn_reference.round_trip_checks(model, config_to_map(c), load, tmp, f"{variant or 'default'}")
    failed = results.count(False)
    print(f"{len(results) - failed}/{len(results)} checks passed")
    return 0 if failed == 0 else 1


def main(argv=None):
    return attn_reference.run_cli(argv, "Logits of an exported attn RNN encoder-decoder, computed in PyTorch.",
                                  "attn_rnn_reference", load, self_test)


if __name__ == "__main__":
    sys.exit(main())
