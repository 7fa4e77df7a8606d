// Beam search = the paper's `generate_beam`, batched across photos:
// every photo has one row per UNSTOPPED beam in the decoding batch until all its
// beams have stopped; `cache_order` reorders the KV cache to follow the chosen
// hypotheses and drops finished rows (see [Note: batched decoding over one KV
// cache] in decoder-step.ts and [Note: stopped beams skip the model] below).
//
// Faithful details (each one changes some captions when done differently):
// - log-probs are log(softmax(logits)) computed in float64;
// - step 0 takes the top-`beamSize` tokens of the single prefix row;
// - a stopped beam's row is −∞ everywhere except token 0 ("!") at cost 0, and
//   its length does not grow, so it competes with its frozen average;
// - candidates are ranked by AVERAGE log-prob (cumulative / length) over all
//   beamSize×V entries, row-major (index = beam·V + token);
// - scores are then stored as average × new length;
// - finished: sort beams by score / length descending, cut tokens at length.
//
// Ranking every beamSize×V entry is equivalent to ranking the union of each
// row's own top-`beamSize` tokens (the average is monotone in the log-prob within
// a row), which is what we do: O(beamSize·V) per photo per step, no big sort.
import { rowTopLogProbs, stepInput, type DecoderRunOutput, type DecoderStep } from './decoder-step.ts'
import { throwIfAborted, type GenerationConfig, paperGeneration } from './generation-config.ts'
import { range } from './greedy.ts'

export interface Beam {
  /** Tokens cut at the beam's length (the stop token included when it stopped). */
  tokens: number[]
  length: number
  /** Average log-prob (cumulative / length): the sort key. */
  score: number
  stopped: boolean
}

export interface BeamResult {
  /** All beams, best first. */
  beams: Beam[]
}

interface PhotoState {
  tokens: number[][]
  scores: number[]
  lengths: number[]
  stopped: boolean[]
  /** For each unstopped beam, the row of the last model output whose cache it continues. */
  sourceRows: number[]
  /** For each unstopped beam, its row in the latest model output (-1: not run). */
  rows: number[]
  done: boolean
}

interface Candidate {
  avg: number
  beam: number
  token: number
}

export async function generateBeam(
  decoder: DecoderStep,
  prefix: Float32Array,
  batch: number,
  prefixLength: number,
  config: GenerationConfig = paperGeneration,
  signal?: AbortSignal,
): Promise<BeamResult[]> {
  const k = config.beamSize
  if (!Number.isInteger(k) || k < 1) throw new Error(`beam size must be a positive integer, got ${k}`)
  const vocab = decoder.vocabSize
  if (k > vocab) throw new Error(`beam size ${k} exceeds the vocabulary size ${vocab}`)
  const states: PhotoState[] = []
  if (batch === 0) return []
  throwIfAborted(signal)
  let out = await decoder.run(stepInput({ batch, pastLength: 0, prefixEmbeds: prefix, prefixLength, cacheOrder: range(batch), cache: null, head: { topK: k } }))
  let past = prefixLength

  // Step 0: one row per photo -> beamSize beams, all continuing that row.
  for (let p = 0; p < batch; p++) {
    const top = rowTopLogProbs(out, p, vocab, k)
    const state: PhotoState = { tokens: [], scores: [], lengths: [], stopped: [], sourceRows: [], rows: [], done: false }
    for (const [j, token] of top.tokens.entries()) {
      state.tokens.push([token])
      state.scores.push(top.logProbs[j]!)
      state.lengths.push(1)
      state.stopped.push(token === config.stopTokenId)
      state.sourceRows.push(p)
      state.rows.push(-1)
    }
    state.done = state.stopped.every(Boolean) || config.maxTokens <= 1
    states.push(state)
  }
  // [Note: stopped beams skip the model]
  // A stopped beam's logits are replaced by "token 0 at cost 0" and
  // it can only ever produce stopped beams, so its row is never needed again:
  // only unstopped beams are run. Same tokens and scores as running them all,
  // less work as soon as captions end with ".".
  for (let step = 1; ; step++) {
    const cacheOrder: number[] = []
    const ids: number[] = []
    const active: PhotoState[] = []
    for (const st of states) {
      if (st.done) continue
      active.push(st)
      for (let b = 0; b < k; b++) {
        if (st.stopped[b]) {
          st.rows[b] = -1
          continue
        }
        st.rows[b] = cacheOrder.length
        cacheOrder.push(st.sourceRows[b]!)
        ids.push(st.tokens[b]![st.tokens[b]!.length - 1]!)
      }
    }
    if (active.length === 0) break
    throwIfAborted(signal)
    out = await decoder.run(stepInput({ batch: ids.length, pastLength: past, inputIds: Int32Array.from(ids), cacheOrder, cache: out.cache, head: { topK: k } }))
    past += 1
    for (const st of active) {
      selectBeams(st, out, vocab, k, config.stopTokenId)
      st.done = st.stopped.every(Boolean) || step + 1 >= config.maxTokens
    }
  }
  return states.map(finish)
}

function selectBeams(st: PhotoState, out: DecoderRunOutput, vocab: number, k: number, stopTokenId: number): void {
  const candidates: Candidate[] = []
  const newLengths: number[] = []
  for (let b = 0; b < k; b++) {
    if (st.stopped[b]) {
      // Only "!" (id 0) at zero cost; the length stays.
      newLengths.push(st.lengths[b]!)
      candidates.push({ avg: (st.scores[b]! + 0) / st.lengths[b]!, beam: b, token: 0 })
      continue
    }
    const row = st.rows[b]!
    const len = st.lengths[b]! + 1
    newLengths.push(len)
    const top = rowTopLogProbs(out, row, vocab, k)
    top.tokens.forEach((token, j) => candidates.push({ avg: (st.scores[b]! + top.logProbs[j]!) / len, beam: b, token }))
  }
  // Largest average first; ties by flattened index beam·V + token (lower first).
  candidates.sort((a, b) => b.avg - a.avg || a.beam * vocab + a.token - (b.beam * vocab + b.token))
  const chosen = candidates.slice(0, k)
  const tokens: number[][] = []
  const scores: number[] = []
  const lengths: number[] = []
  const stopped: boolean[] = []
  for (const c of chosen) {
    const length = newLengths[c.beam]!
    tokens.push([...st.tokens[c.beam]!, c.token])
    lengths.push(length)
    scores.push(c.avg * length)
    stopped.push(st.stopped[c.beam]! || c.token === stopTokenId)
  }
  st.tokens = tokens
  st.scores = scores
  st.lengths = lengths
  st.stopped = stopped
  st.sourceRows = chosen.map((c) => st.rows[c.beam]!)
}

function finish(st: PhotoState): BeamResult {
  const beams = st.tokens.map((tokens, b) => ({
    tokens: tokens.slice(0, st.lengths[b]!),
    length: st.lengths[b]!,
    score: st.scores[b]! / st.lengths[b]!,
    stopped: st.stopped[b]!,
  }))
  // argsort descending; stable for equal scores (keeps beam order).
  const order = range(beams.length).sort((a, b) => beams[b]!.score - beams[a]!.score || a - b)
  return { beams: order.map((i) => beams[i]!) }
}
