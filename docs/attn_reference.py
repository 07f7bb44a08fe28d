#!/usr/bin/env python3
"""A PyTorch twin of attn's Transformer, for checking exported weights outside attn.

    import attn_reference as ref
    model = ref.load("model.npz")                     # or .safetensors, from attn-export
    logits = model(src, tgt_in)                       # LongTensor [B, S], [B, T] -> [B, T, V]
    state = model.start_decoding(src, max_len=30)     # incremental decoding with a KV cache
    logits = model.decode_step(state, tokens)         # tokens [rows] -> [rows, V]

    python3 docs/attn_reference.py model.npz --src "3 4 5" --tgt "2 7 8"   # logits as JSON
    python3 docs/attn_reference.py --self-test

It is written from the model's definition (libattn/models/transformer.h), not from attn's
code, so the two agree only if both follow it: token id 0 is padding; embeddings times
sqrt(D) plus sinusoidal positions; attention scaled by 1/sqrt(D/H) with additive -inf masks
(key padding on the source, causal + padding on decoder self-attention), a row with every
key masked attends to nothing (zeros, not NaN); layer norm eps 1e-5; post-norm
x = LN(x + f(x)) or pre-norm x = x + f(LN(x)) with a final LN on each stack; output
projection tied to the target embedding unless tie_output is false. Parameter names are
attn's tensor names, so state_dict() loads a file with no renaming.
Needs only torch and numpy (safetensors is parsed by hand; the package is not needed).
"""

import argparse
import json
import math
import os
import struct
import sys

import numpy as np
import torch
from torch import nn

PAD_ID = 0
LAYER_NORM_EPS = 1e-5

# attn's TransformerConfig::to_map keys, values as text.
INT_KEYS = ("src_vocab", "tgt_vocab", "d_model", "heads", "ffn", "encoder_layers", "decoder_layers")
BOOL_KEYS = ("pre_norm", "tie_output", "shared_vocab")
FLOAT_KEYS = ("dropout",)
CONFIG_KEYS = INT_KEYS + FLOAT_KEYS + BOOL_KEYS


def parse_bool(raw, key):
    """raw[key] as attn writes a boolean ("true"/"false"), or a JSON boolean -> bool."""
    value = raw[key]
    if isinstance(value, str):
        if value not in ("true", "false"):
            raise ValueError(f"model config field '{key}' is not true/false: '{value}'")
        value = value == "true"
    return bool(value)


def parse_config(raw):
    """Config map (values as attn writes them: text, or JSON numbers/booleans) -> typed dict."""
    missing = [k for k in CONFIG_KEYS if k not in raw]
    if missing:
        raise ValueError(f"model config lacks {', '.join(missing)}; found keys {sorted(raw)}")
    config = {}
    for key in INT_KEYS:
        config[key] = int(raw[key])
    for key in FLOAT_KEYS:
        config[key] = float(raw[key])
    for key in BOOL_KEYS:
        config[key] = parse_bool(raw, key)
    if config["d_model"] % config["heads"]:
        raise ValueError(f"d_model {config['d_model']} is not divisible by heads {config['heads']}")
    if config["shared_vocab"] and config["src_vocab"] != config["tgt_vocab"]:
        raise ValueError("shared_vocab needs src_vocab == tgt_vocab")
    return config


def config_to_map(config):
    """Typed config -> attn's text map (what the exporters store)."""
    out = {}
    for key in CONFIG_KEYS:
        value = config[key]
        out[key] = ("true" if value else "false") if key in BOOL_KEYS else f"{value:g}" if key in FLOAT_KEYS else str(value)
    return out


def sinusoidal_positions(length, dim, offset=0, dtype=torch.float32):
    """PE[p, 2i] = sin(p / 10000^(2i/D)), PE[p, 2i+1] = cos(...) (Vaswani et al. 2017, §3.5)."""
    pos = torch.arange(offset, offset + length, dtype=torch.float64)[:, None]
    even = torch.arange(0, dim, 2, dtype=torch.float64)
    angle = pos / torch.pow(10000.0, even / dim)
    pe = torch.zeros(length, dim, dtype=torch.float64)
    pe[:, 0::2] = torch.sin(angle)
    pe[:, 1::2] = torch.cos(angle)[:, : dim // 2]
    return pe.to(dtype)


def padding_mask(ids):
    """[B, S] -> additive [B, 1, 1, S]: -inf on padding keys."""
    mask = torch.zeros(ids.shape, dtype=torch.get_default_dtype())
    return mask.masked_fill(ids == PAD_ID, float("-inf"))[:, None, None, :]


def causal_padding_mask(ids):
    """[B, T] -> additive [B, 1, T, T]: -inf on future keys and on padding keys."""
    length = ids.shape[1]
    future = torch.ones(length, length, dtype=torch.bool).triu(1)
    blocked = future[None, :, :] | (ids == PAD_ID)[:, None, :]
    mask = torch.zeros(blocked.shape, dtype=torch.get_default_dtype())
    return mask.masked_fill(blocked, float("-inf"))[:, None, :, :]


def attend(q, k, v, mask, scale):
    """softmax(q kᵀ · scale + mask) v; q [B, H, T, E], k/v [B, H, S, E] -> ([B, H, T, E], weights).

    A query whose keys are all masked gets zero weights (attn's softmax kernel does the
    same) instead of softmax's NaN, and its gradient stays finite.
    """
    scores = torch.matmul(q, k.transpose(-1, -2)) * scale
    if mask is None:
        weights = torch.softmax(scores, -1)
    else:
        scores = scores + mask.to(scores.dtype)
        dead = torch.isneginf(scores).all(-1, keepdim=True)
        if bool(dead.any()):
            weights = torch.softmax(scores.masked_fill(dead, 0.0), -1).masked_fill(dead, 0.0)
        else:
            weights = torch.softmax(scores, -1)
    return torch.matmul(weights, v), weights


class MultiHeadAttention(nn.Module):
    def __init__(self, dim, heads):
        super().__init__()
        self.heads = heads
        self.q_proj = nn.Linear(dim, dim)
        self.k_proj = nn.Linear(dim, dim)
        self.v_proj = nn.Linear(dim, dim)
        self.out_proj = nn.Linear(dim, dim)

    def split_heads(self, x):  # [B, T, D] -> [B, H, T, D/H]
        b, t, d = x.shape
        return x.view(b, t, self.heads, d // self.heads).transpose(1, 2)

    def merge_heads(self, x):  # [B, H, T, D/H] -> [B, T, D]
        b, h, t, e = x.shape
        return x.transpose(1, 2).reshape(b, t, h * e)

    def scale(self):
        # 1/sqrt(d_k) so the softmax does not saturate for wide heads (Vaswani et al. §3.2.1).
        return 1.0 / math.sqrt(self.q_proj.weight.shape[0] // self.heads)

    def project_kv(self, memory):  # [B, S, D] -> two [B, H, S, D/H]
        return self.split_heads(self.k_proj(memory)), self.split_heads(self.v_proj(memory))

    def forward(self, query, key_value, mask):
        q = self.split_heads(self.q_proj(query))
        k, v = self.project_kv(key_value)
        return self.attend_projected(q, k, v, mask)

    def attend_projected(self, q, k, v, mask):
        context, _ = attend(q, k, v, mask, self.scale())
        return self.out_proj(self.merge_heads(context))


class EncoderLayer(nn.Module):
    def __init__(self, c):
        super().__init__()
        d = c["d_model"]
        self.self_attn = MultiHeadAttention(d, c["heads"])
        self.self_attn_layer_norm = nn.LayerNorm(d, eps=LAYER_NORM_EPS)
        self.fc1 = nn.Linear(d, c["ffn"])
        self.fc2 = nn.Linear(c["ffn"], d)
        self.final_layer_norm = nn.LayerNorm(d, eps=LAYER_NORM_EPS)


class DecoderLayer(nn.Module):
    def __init__(self, c):
        super().__init__()
        d = c["d_model"]
        self.self_attn = MultiHeadAttention(d, c["heads"])
        self.self_attn_layer_norm = nn.LayerNorm(d, eps=LAYER_NORM_EPS)
        self.encoder_attn = MultiHeadAttention(d, c["heads"])
        self.encoder_attn_layer_norm = nn.LayerNorm(d, eps=LAYER_NORM_EPS)
        self.fc1 = nn.Linear(d, c["ffn"])
        self.fc2 = nn.Linear(c["ffn"], d)
        self.final_layer_norm = nn.LayerNorm(d, eps=LAYER_NORM_EPS)


class Encoder(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.embed_tokens = nn.Embedding(c["src_vocab"], c["d_model"])
        self.layers = nn.ModuleList(EncoderLayer(c) for _ in range(c["encoder_layers"]))
        if c["pre_norm"]:
            self.layer_norm = nn.LayerNorm(c["d_model"], eps=LAYER_NORM_EPS)


class Decoder(nn.Module):
    def __init__(self, c):
        super().__init__()
        if not c["shared_vocab"]:
            self.embed_tokens = nn.Embedding(c["tgt_vocab"], c["d_model"])
        self.layers = nn.ModuleList(DecoderLayer(c) for _ in range(c["decoder_layers"]))
        if c["pre_norm"]:
            self.layer_norm = nn.LayerNorm(c["d_model"], eps=LAYER_NORM_EPS)
        if not c["tie_output"]:
            self.output_projection = nn.Linear(c["d_model"], c["tgt_vocab"], bias=False)


class DecoderState:
    """What incremental decoding keeps per row: cross-attention K/V (computed once), the
    self-attention K/V of the prefix (preallocated to max_len), the source mask."""

    def __init__(self, memory_kv, self_kv, src_mask):
        self.memory_kv = memory_kv  # per layer (k, v), each [rows, H, S, D/H]
        self.self_kv = self_kv      # per layer (k, v), each [rows, H, max_len, D/H]
        self.src_mask = src_mask    # [rows, 1, 1, S]
        self.length = 0

    def reorder(self, rows, same_sources=False):
        """Keeps beams' caches in step: row i now continues old row rows[i]. same_sources:
        every row keeps its source (beams moving within a sentence), so the cross-attention
        keys/values and the source mask stay as they are, uncopied."""
        self.self_kv = [(k.index_select(0, rows), v.index_select(0, rows)) for k, v in self.self_kv]
        if not same_sources:
            self.memory_kv = [(k.index_select(0, rows), v.index_select(0, rows)) for k, v in self.memory_kv]
            self.src_mask = self.src_mask.index_select(0, rows)


class AttnTransformer(nn.Module):
    """attn's encoder-decoder Transformer; parameter names match attn's file names."""

    def __init__(self, config):
        super().__init__()
        self.config = parse_config(config)
        c = self.config
        self.encoder = Encoder(c)
        self.decoder = Decoder(c)
        self.dropout = nn.Dropout(c["dropout"])

    # -- pieces -------------------------------------------------------------------------
    def target_table(self):
        return self.encoder.embed_tokens.weight if self.config["shared_vocab"] else self.decoder.embed_tokens.weight

    def embed(self, table, ids, offset=0):
        d = self.config["d_model"]
        # Scaled by sqrt(D) so embeddings (std D^-0.5) and positions (amplitude 1) are comparable (§3.4).
        x = nn.functional.embedding(ids, table) * math.sqrt(d)
        x = x + sinusoidal_positions(ids.shape[1], d, offset, table.dtype)
        return self.dropout(x)

    def residual(self, x, norm, sublayer):
        if self.config["pre_norm"]:
            return x + self.dropout(sublayer(norm(x)))
        return norm(x + self.dropout(sublayer(x)))

    def ffn(self, layer, x):
        return layer.fc2(self.dropout(torch.relu(layer.fc1(x))))

    def output_logits(self, hidden):
        if self.config["tie_output"]:
            return torch.matmul(hidden, self.target_table().t())
        return self.decoder.output_projection(hidden)

    # -- whole sequences ----------------------------------------------------------------
    def encode(self, src):
        """src [B, S] -> memory [B, S, D]."""
        mask = padding_mask(src)
        x = self.embed(self.encoder.embed_tokens.weight, src)
        for layer in self.encoder.layers:
            x = self.residual(x, layer.self_attn_layer_norm, lambda h: layer.self_attn(h, h, mask))
            x = self.residual(x, layer.final_layer_norm, lambda h: self.ffn(layer, h))
        return self.encoder.layer_norm(x) if self.config["pre_norm"] else x

    def forward(self, src, tgt_in):
        """src [B, S], tgt_in [B, T] -> logits [B, T, V]."""
        memory = self.encode(src)
        src_mask, self_mask = padding_mask(src), causal_padding_mask(tgt_in)
        y = self.embed(self.target_table(), tgt_in)
        for layer in self.decoder.layers:
            y = self.residual(y, layer.self_attn_layer_norm, lambda h: layer.self_attn(h, h, self_mask))
            y = self.residual(y, layer.encoder_attn_layer_norm, lambda h: layer.encoder_attn(h, memory, src_mask))
            y = self.residual(y, layer.final_layer_norm, lambda h: self.ffn(layer, h))
        if self.config["pre_norm"]:
            y = self.decoder.layer_norm(y)
        return self.output_logits(y)

    # -- incremental decoding -----------------------------------------------------------
    def start_decoding(self, src, max_len, repeat=1):
        """Encodes src [B, S] once; each source row is repeated `repeat` times (beams)."""
        if repeat > 1:
            src = src.repeat_interleave(repeat, 0)
        memory = self.encode(src)
        rows, heads = src.shape[0], self.config["heads"]
        width = self.config["d_model"] // heads
        memory_kv = [layer.encoder_attn.project_kv(memory) for layer in self.decoder.layers]
        self_kv = [(memory.new_zeros(rows, heads, max_len, width), memory.new_zeros(rows, heads, max_len, width))
                   for _ in self.decoder.layers]
        return DecoderState(memory_kv, self_kv, padding_mask(src))

    def decode_step(self, state, tokens):
        """tokens [rows] (the previous output) -> logits [rows, V]; appends to the caches.

        The prefix is never recomputed: this step's keys/values join the cache and the
        query attends over it, so no causal mask is needed.
        """
        t = state.length
        y = self.embed(self.target_table(), tokens[:, None], offset=t)
        for layer, (k_cache, v_cache), (k_mem, v_mem) in zip(self.decoder.layers, state.self_kv, state.memory_kv):
            def self_attention(h, attn=layer.self_attn, k_cache=k_cache, v_cache=v_cache):
                q = attn.split_heads(attn.q_proj(h))
                k, v = attn.project_kv(h)
                k_cache[:, :, t : t + 1] = k
                v_cache[:, :, t : t + 1] = v
                return attn.attend_projected(q, k_cache[:, :, : t + 1], v_cache[:, :, : t + 1], None)

            def cross_attention(h, attn=layer.encoder_attn, k_mem=k_mem, v_mem=v_mem):
                return attn.attend_projected(attn.split_heads(attn.q_proj(h)), k_mem, v_mem, state.src_mask)

            y = self.residual(y, layer.self_attn_layer_norm, self_attention)
            y = self.residual(y, layer.encoder_attn_layer_norm, cross_attention)
            y = self.residual(y, layer.final_layer_norm, lambda h: self.ffn(layer, h))
        if self.config["pre_norm"]:
            y = self.decoder.layer_norm(y)
        state.length = t + 1
        return self.output_logits(y[:, 0])


# -- files ----------------------------------------------------------------------------------

SAFETENSORS_DTYPES = {"F64": np.float64, "F32": np.float32, "F16": np.float16, "I64": np.int64,
                      "I32": np.int32, "I16": np.int16, "I8": np.int8, "U8": np.uint8}


def read_safetensors(path):
    """-> (tensors {name: ndarray}, metadata {str: str}). Format: u64 little-endian header
    length N, N bytes of JSON {name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__":
    {...}}, then the data; offsets count from the first byte after the header."""
    with open(path, "rb") as f:
        blob = f.read()
    if len(blob) < 8:
        raise ValueError(f"{path}: {len(blob)} bytes, too short for a safetensors header")
    (header_len,) = struct.unpack("<Q", blob[:8])
    if 8 + header_len > len(blob):
        raise ValueError(f"{path}: header length {header_len} runs past the file ({len(blob)} bytes)")
    header = json.loads(blob[8 : 8 + header_len].decode("utf-8"))
    data = memoryview(blob)[8 + header_len :]
    metadata = header.pop("__metadata__", {}) or {}
    tensors = {}
    for name, info in header.items():
        if info["dtype"] == "BF16":
            dtype = None
        elif info["dtype"] in SAFETENSORS_DTYPES:
            dtype = np.dtype(SAFETENSORS_DTYPES[info["dtype"]]).newbyteorder("<")
        else:
            raise ValueError(f"{path}: tensor '{name}' has unsupported dtype {info['dtype']}")
        begin, end = info["data_offsets"]
        shape = tuple(info["shape"])
        itemsize = 2 if dtype is None else dtype.itemsize
        if not 0 <= begin <= end <= len(data) or end - begin != itemsize * int(np.prod(shape, dtype=np.int64)):
            raise ValueError(f"{path}: tensor '{name}' offsets {begin}..{end} do not fit shape {list(shape)} "
                             f"{info['dtype']} in {len(data)} data bytes")
        raw = np.frombuffer(data[begin:end], dtype=np.uint16 if dtype is None else dtype)
        if dtype is None:  # bfloat16: the high half of a float32
            raw = (raw.astype(np.uint32) << 16).view(np.float32)
        tensors[name] = raw.reshape(shape).copy()
    return tensors, metadata


def write_safetensors(path, tensors, metadata):
    """Writes {name: ndarray} (float32/float64/int32/int64) with string metadata."""
    codes = {np.dtype(v): k for k, v in SAFETENSORS_DTYPES.items()}
    header, offset, chunks = {"__metadata__": {k: str(v) for k, v in metadata.items()}}, 0, []
    for name, array in tensors.items():
        array = np.ascontiguousarray(array)
        raw = array.astype(array.dtype.newbyteorder("<")).tobytes()
        header[name] = {"dtype": codes[array.dtype], "shape": list(array.shape), "data_offsets": [offset, offset + len(raw)]}
        chunks.append(raw)
        offset += len(raw)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)  # data starts 8-byte aligned, as the format recommends
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(chunks))


def read_npz(path):
    """-> (tensors, config map). attn-export stores each tensor under its name and the config
    map as a JSON string under "__config__" (a 0-d str array or its UTF-8 bytes as uint8)."""
    with np.load(path, allow_pickle=False) as archive:
        tensors = {name: archive[name] for name in archive.files if name != "__config__"}
        if "__config__" not in archive.files:
            raise ValueError(f"{path}: no '__config__' entry (expected the model config as JSON)")
        raw = archive["__config__"]
    if raw.dtype.kind in "US":
        text = str(raw[()]) if raw.dtype.kind == "U" else bytes(raw[()]).decode("utf-8")
    else:
        text = raw.astype(np.uint8).tobytes().decode("utf-8")
    return tensors, json.loads(text)


def write_npz(path, tensors, config_map):
    np.savez(path, __config__=np.array(json.dumps(config_map)), **tensors)


def read_weights(path):
    """-> (tensors, config map) from .npz or .safetensors (sniffed by content, not name)."""
    with open(path, "rb") as f:
        magic = f.read(4)
    if magic.startswith(b"PK"):
        return read_npz(path)
    tensors, metadata = read_safetensors(path)
    return tensors, metadata


def load(path, dtype=torch.float32):
    """Builds the model a file describes and loads its weights; eval mode (no dropout)."""
    tensors, config_map = read_weights(path)
    if config_map.get("architecture", "transformer") != "transformer":
        raise ValueError(f"{path}: architecture '{config_map['architecture']}' is not a Transformer "
                         "(an 'rnn' export: docs/attn_rnn_reference.py)")
    model = AttnTransformer(parse_config(config_map)).to(dtype)
    load_tensors(model, tensors)
    return model.eval()


def load_tensors(model, tensors):
    expected = model.state_dict()
    missing = sorted(set(expected) - set(tensors))
    unexpected = sorted(set(tensors) - set(expected))
    if missing or unexpected:
        raise ValueError(f"weights do not match the config: missing {missing[:5]}{'...' if len(missing) > 5 else ''}, "
                         f"unexpected {unexpected[:5]}{'...' if len(unexpected) > 5 else ''}")
    for name, target in expected.items():
        if tuple(tensors[name].shape) != tuple(target.shape):
            raise ValueError(f"tensor '{name}': shape {list(tensors[name].shape)}, config expects {list(target.shape)}")
    model.load_state_dict({n: torch.from_numpy(np.asarray(a)).to(expected[n].dtype) for n, a in tensors.items()})


# -- self-test ------------------------------------------------------------------------------

def _random_model(config, seed):
    torch.manual_seed(seed)
    model = AttnTransformer(config).double().eval()
    with torch.no_grad():
        for p in model.parameters():  # LayerNorm gains/biases too, so no term hides behind 1 or 0
            p.normal_(0.0, 0.3)
    return model


def _check(name, ok, detail=""):
    print(f"{'ok  ' if ok else 'FAIL'} {name}{(': ' + detail) if detail else ''}")
    return ok


def round_trip_checks(model, config_map, load_model, folder, tag):
    """Writes a float64 model's weights as float32 npz and safetensors under `folder`, reads
    each back with load_model and checks the logits (to the bit) and the config (both
    references' self-tests)."""
    tensors = {n: t.float().numpy() for n, t in model.state_dict().items()}
    src, tgt = torch.tensor([[3, 4, 5, 0]]), torch.tensor([[2, 7, 8]])
    with torch.no_grad():
        expected = model.float()(src, tgt)
    results = []
    for ext, write in (("npz", write_npz), ("safetensors", write_safetensors)):
        path = os.path.join(folder, "model." + ext)
        write(path, tensors, config_map)
        loaded = load_model(path)
        with torch.no_grad():
            err = (loaded(src, tgt) - expected).abs().max().item()
        results.append(_check(f"{ext} round trip {tag}", err == 0.0 and loaded.config == model.config,
                              f"max |diff| {err:.2e}"))
    return results


def self_test():
    """Checks this module against torch.nn's layers and its own invariants."""
    import tempfile

    base = dict(src_vocab=13, tgt_vocab=11, d_model=16, heads=4, ffn=24, encoder_layers=2, decoder_layers=2,
                dropout=0.1, pre_norm=False, tie_output=True, shared_vocab=False)
    results = []
    for pre_norm in (False, True):
        c = dict(base, pre_norm=pre_norm)
        model = _random_model(c, 1)
        tag = "pre-norm" if pre_norm else "post-norm"

        # One encoder layer against torch.nn.TransformerEncoderLayer (fused in_proj = q;k;v).
        layer = model.encoder.layers[0]
        ref = nn.TransformerEncoderLayer(16, 4, 24, dropout=0.0, batch_first=True, norm_first=pre_norm).double().eval()
        with torch.no_grad():
            a = layer.self_attn
            ref.self_attn.in_proj_weight.copy_(torch.cat([a.q_proj.weight, a.k_proj.weight, a.v_proj.weight]))
            ref.self_attn.in_proj_bias.copy_(torch.cat([a.q_proj.bias, a.k_proj.bias, a.v_proj.bias]))
            ref.self_attn.out_proj.load_state_dict(a.out_proj.state_dict())
            ref.linear1.load_state_dict(layer.fc1.state_dict())
            ref.linear2.load_state_dict(layer.fc2.state_dict())
            ref.norm1.load_state_dict(layer.self_attn_layer_norm.state_dict())
            ref.norm2.load_state_dict(layer.final_layer_norm.state_dict())
            x = torch.randn(3, 5, 16, dtype=torch.float64)
            src = torch.tensor([[3, 4, 5, 6, 7], [3, 4, 5, 0, 0], [9, 0, 0, 0, 0]])
            mask = padding_mask(src).double()
            ours = model.residual(x, layer.self_attn_layer_norm, lambda h: layer.self_attn(h, h, mask))
            ours = model.residual(ours, layer.final_layer_norm, lambda h: model.ffn(layer, h))
            theirs = ref(x, src_key_padding_mask=src == PAD_ID)
            err = (ours - theirs).abs().max().item()
        results.append(_check(f"{tag} encoder layer == nn.TransformerEncoderLayer", err < 1e-10, f"max |diff| {err:.2e}"))

        # One decoder layer against torch.nn.TransformerDecoderLayer.
        layer = model.decoder.layers[0]
        ref = nn.TransformerDecoderLayer(16, 4, 24, dropout=0.0, batch_first=True, norm_first=pre_norm).double().eval()
        with torch.no_grad():
            for mine, theirs_attn in ((layer.self_attn, ref.self_attn), (layer.encoder_attn, ref.multihead_attn)):
                theirs_attn.in_proj_weight.copy_(torch.cat([mine.q_proj.weight, mine.k_proj.weight, mine.v_proj.weight]))
                theirs_attn.in_proj_bias.copy_(torch.cat([mine.q_proj.bias, mine.k_proj.bias, mine.v_proj.bias]))
                theirs_attn.out_proj.load_state_dict(mine.out_proj.state_dict())
            ref.linear1.load_state_dict(layer.fc1.state_dict())
            ref.linear2.load_state_dict(layer.fc2.state_dict())
            ref.norm1.load_state_dict(layer.self_attn_layer_norm.state_dict())
            ref.norm2.load_state_dict(layer.encoder_attn_layer_norm.state_dict())
            ref.norm3.load_state_dict(layer.final_layer_norm.state_dict())
            y = torch.randn(3, 4, 16, dtype=torch.float64)
            tgt = torch.tensor([[2, 5, 6, 7], [2, 5, 0, 0], [2, 8, 9, 0]])  # no query row fully masked
            self_mask, src_mask = causal_padding_mask(tgt).double(), padding_mask(src).double()
            ours = model.residual(y, layer.self_attn_layer_norm, lambda h: layer.self_attn(h, h, self_mask))
            ours = model.residual(ours, layer.encoder_attn_layer_norm, lambda h: layer.encoder_attn(h, x, src_mask))
            ours = model.residual(ours, layer.final_layer_norm, lambda h: model.ffn(layer, h))
            causal = torch.ones(4, 4, dtype=torch.bool).triu(1)
            theirs = ref(y, x, tgt_mask=causal, tgt_key_padding_mask=tgt == PAD_ID, memory_key_padding_mask=src == PAD_ID)
            err = (ours - theirs).abs().max().item()
        results.append(_check(f"{tag} decoder layer == nn.TransformerDecoderLayer", err < 1e-10, f"max |diff| {err:.2e}"))

        with torch.no_grad():
            src = torch.tensor([[3, 4, 5, 6, 0, 0]])
            tgt = torch.tensor([[2, 7, 8, 9]])
            logits = model(src, tgt)
            results.append(_check(f"{tag} logits shape [B, T, V]", tuple(logits.shape) == (1, 4, 11)))
            # Padding keys are invisible: a different padded source (longer pad run) changes nothing.
            other = model(torch.tensor([[3, 4, 5, 6, 0, 0, 0, 0]]), tgt)
            err = (logits - other).abs().max().item()
            results.append(_check(f"{tag} source padding changes no logit", err < 1e-12, f"max |diff| {err:.2e}"))
            # Causality: changing a later target token leaves earlier positions alone.
            changed = model(src, torch.tensor([[2, 7, 8, 3]]))
            err = (logits[:, :3] - changed[:, :3]).abs().max().item()
            moved = (logits[:, 3] - changed[:, 3]).abs().max().item()
            results.append(_check(f"{tag} decoder is causal", err < 1e-12 and moved > 1e-6, f"earlier {err:.2e}, last {moved:.2e}"))
            # Incremental decoding with caches reproduces the full forward pass.
            state = model.start_decoding(src, max_len=4)
            steps = torch.stack([model.decode_step(state, tgt[:, t]) for t in range(4)], 1)
            err = (steps - logits).abs().max().item()
            results.append(_check(f"{tag} cached decode_step == forward", err < 1e-10, f"max |diff| {err:.2e}"))

    # A fully padded decoder row attends to nothing instead of producing NaN.
    model = _random_model(base, 2)
    with torch.no_grad():
        logits = model(torch.tensor([[3, 4, 0]]), torch.tensor([[0, 5, 6]]))
    results.append(_check("fully masked query row gives finite logits", bool(torch.isfinite(logits).all())))

    # Every naming variant, written to both formats and read back.
    with tempfile.TemporaryDirectory() as tmp:
        for variant in (dict(), dict(pre_norm=True), dict(tie_output=False), dict(shared_vocab=True, tgt_vocab=13)):
            c = dict(base, **variant)
            model = _random_model(c, 3)
            names = set(model.state_dict())
            want = {"encoder.embed_tokens.weight", "encoder.layers.1.self_attn.q_proj.weight", "encoder.layers.0.fc1.bias",
                    "decoder.layers.1.encoder_attn.out_proj.bias", "decoder.layers.0.encoder_attn_layer_norm.weight",
                    "decoder.layers.0.final_layer_norm.bias"}
            want |= {"encoder.layer_norm.weight", "decoder.layer_norm.bias"} if c["pre_norm"] else set()
            want |= {"decoder.output_projection.weight"} if not c["tie_output"] else set()
            want |= set() if c["shared_vocab"] else {"decoder.embed_tokens.weight"}
            absent = {"decoder.embed_tokens.weight"} if c["shared_vocab"] else set()
            absent |= {"decoder.output_projection.weight"} if c["tie_output"] else set()
            absent |= set() if c["pre_norm"] else {"encoder.layer_norm.weight"}
            results.append(_check(f"names {variant or 'default'}", want <= names and not (absent & names),
                                  f"missing {sorted(want - names)}, unexpected {sorted(absent & names)}"))
            results += round_trip_checks(model, config_to_map(c), load, tmp, f"{variant or 'default'}")
    failed = results.count(False)
    print(f"{len(results) - failed}/{len(results)} checks passed")
    return 0 if failed == 0 else 1


def main(argv=None):
    return run_cli(argv, "Logits of an exported attn Transformer, computed in PyTorch.", "attn_reference", load, self_test)


def run_cli(argv, description, prog, load_model, run_self_test):
    """The command line both references share (attn_rnn_reference.py too): logits as JSON."""
    parser = argparse.ArgumentParser(prog=prog, description=description)
    parser.add_argument("weights", nargs="?", help="model.npz or model.safetensors from attn-export")
    parser.add_argument("--src", help="source token ids, space separated (0 = padding)")
    parser.add_argument("--tgt", help="decoder input ids, space separated (starts with BOS)")
    parser.add_argument("--float64", action="store_true", help="compute in double precision")
    parser.add_argument("--log-probs", action="store_true", help="print log-softmax instead of logits")
    parser.add_argument("--self-test", action="store_true", help="check this module and exit")
    args = parser.parse_args(argv)
    if args.self_test:
        return run_self_test()
    if not args.weights or args.src is None or args.tgt is None:
        parser.error("needs WEIGHTS, --src and --tgt (or --self-test)")
    try:
        model = load_model(args.weights, torch.float64 if args.float64 else torch.float32)
        src = torch.tensor([[int(t) for t in args.src.split()]], dtype=torch.long)
        tgt = torch.tensor([[int(t) for t in args.tgt.split()]], dtype=torch.long)
    except (OSError, ValueError, KeyError) as error:
        print(f"{prog}: {error}", file=sys.stderr)
        return 2
    for name, ids, vocab in (("--src", src, model.config["src_vocab"]), ("--tgt", tgt, model.config["tgt_vocab"])):
        if ids.numel() == 0 or int(ids.min()) < 0 or int(ids.max()) >= vocab:
            print(f"{prog}: {name} ids must be in [0, {vocab}), got {args.src if name == '--src' else args.tgt!r}",
                  file=sys.stderr)
            return 2
    with torch.no_grad():
        out = model(src, tgt)[0]
        if args.log_probs:
            out = torch.log_softmax(out, -1)
    json.dump({"src": src[0].tolist(), "tgt": tgt[0].tolist(), "shape": list(out.shape),
               "log_probs" if args.log_probs else "logits": out.tolist()}, sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
