// The paper's learning-rate schedule: transformers'
// get_linear_schedule_with_warmup as a LambdaLR stepped after every optimizer
// step. Optimizer step k (0-based) uses lr·k/W during warm-up, then decays
// linearly to 0 at S. [Note: step 0] With W > 0 step 0 runs with lr 0 — and
// still advances Adam's m, v and t, as the paper's train.py does (the golden
// trajectories in test/fixtures/train depend on it).

export interface ScheduleConfig {
  /** Peak learning rate. */
  lr: number
  /** Warm-up steps W. */
  warmup: number
  /** Total optimizer steps S (num_training_steps). */
  total: number
}

/** The learning rate used by optimizer step k = 0 … total−1. */
export function learningRateAt(k: number, cfg: ScheduleConfig): number {
  if (k < cfg.warmup) return (cfg.lr * k) / Math.max(1, cfg.warmup)
  return cfg.lr * Math.max(0, (cfg.total - k) / Math.max(1, cfg.total - cfg.warmup))
}
