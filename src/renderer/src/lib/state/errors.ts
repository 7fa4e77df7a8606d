// One place turns any thrown value into a sentence for the person.
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message
  return String(error)
}
