import { describe, expect, it } from 'vitest'
import { currentYear, yearMarks } from './year-index.ts'

const groups = [
  { month: '2024-05', start: 0, top: 0 },
  { month: '2024-01', start: 3, top: 200 },
  { month: '2019-07', start: 5, top: 400 },
  { month: '2005-12', start: 9, top: 700 },
  { month: 'undated', start: 12, top: 900 },
]

describe('year index', () => {
  it('has one mark per year at its first month in grid order, none for undated photos', () => {
    expect(yearMarks(groups)).toEqual([
      { year: '2024', start: 0, top: 0 },
      { year: '2019', start: 5, top: 400 },
      { year: '2005', start: 9, top: 700 },
    ])
    expect(yearMarks([{ month: 'undated', start: 0, top: 0 }])).toEqual([])
    // Oldest first: years in that order, each at its earliest month.
    const oldest = [
      { month: '2005-12', start: 0, top: 0 },
      { month: '2019-07', start: 3, top: 300 },
      { month: '2024-01', start: 7, top: 500 },
      { month: '2024-05', start: 9, top: 700 },
    ]
    expect(yearMarks(oldest).map((m) => [m.year, m.start])).toEqual([
      ['2005', 0],
      ['2019', 3],
      ['2024', 7],
    ])
  })

  it('the current year is the last one whose first heading is at or above the view top', () => {
    const marks = yearMarks(groups)
    expect(currentYear(marks, 0)).toBe('2024')
    expect(currentYear(marks, 399)).toBe('2024')
    expect(currentYear(marks, 400)).toBe('2019')
    expect(currentYear(marks, 850)).toBe('2005')
    expect(currentYear(marks, 950, 900)).toBeNull()
    expect(currentYear([], 0)).toBeNull()
  })
})
