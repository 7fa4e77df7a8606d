// pack.json: the one file that makes a folder a model pack. Validated with zod
// at the trust boundary (packs come from downloads and from users' disks).
import { z } from 'zod'

export const packJsonSchema = z.looseObject({
  name: z.string().min(1),
  /** Sub-folders, relative to the pack folder. */
  clip: z.string().min(1).default('clip'),
  gpt2: z.string().min(1).default('gpt2'),
  mapping: z.string().min(1).default('mapping'),
  /** Mapping weights file inside mapping/ when the folder holds several. */
  mapping_weights: z.string().min(1).optional(),
  image_size: z.number().int().positive().optional(),
  /** How clip/ is laid out: Hugging Face CLIPModel files or open_clip's (found from the files when absent). */
  clip_format: z.enum(['hf', 'open_clip']).optional(),
  generation: z
    .looseObject({
      stop_token_id: z.number().int().nonnegative().optional(),
      entry_length: z.number().int().positive().optional(),
      beam_size: z.number().int().positive().optional(),
    })
    .optional(),
  /** The weights are random (test and tiny packs): captions are meaningless. */
  random_weights: z.boolean().optional(),
  /** Our generated embedded default pack. */
  tiny: z.boolean().optional(),
})

export type PackJson = z.infer<typeof packJsonSchema>
