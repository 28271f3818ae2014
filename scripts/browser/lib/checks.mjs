// What an accessibility reviewer checks on a page, measured inside Chromium.
import { createRequire } from 'node:module';
import assert from 'node:assert/strict';
import { PHONE } from './phone.mjs';

const require = createRequire(import.meta.url);
const AXE = require.resolve('axe-core/axe.min.js');

/** The smallest touch target, in CSS pixels (WCAG 2.5.5, Apple and Android guidance). */
export const MIN_TARGET = 44;

/** axe-core finds no serious or critical violation. Lesser findings are printed. */
export async function assertAxeClean(page, what) {
  await page.addScriptTag({ path: AXE });
  const violations = await page.evaluate(async () => {
    const result = await window.axe.run(document, { resultTypes: ['violations'] });
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.slice(0, 5).map((n) => n.target.join(' ')),
    }));
  });
  for (const v of violations.filter((v) => !['serious', 'critical'].includes(v.impact))) {
    console.log(`# note (${what}): axe ${v.impact} ${v.id}: ${v.help} at ${v.nodes.join(', ')}`);
  }
  const bad = violations.filter((v) => ['serious', 'critical'].includes(v.impact));
  assert.deepEqual(bad, [], `${what}: axe-core found serious or critical violations`);
}

/** Every visible form control has a name a screen reader reads out: a label or aria-labelledby. */
export async function assertEveryInputLabelled(page, what) {
  const unlabelled = await page.evaluate(() =>
    [...document.querySelectorAll('input, textarea, select')]
      .filter((el) => el.type !== 'hidden' && el.getClientRects().length > 0)
      .filter((el) => {
        const labelled = el.labels.length > 0 && [...el.labels].some((l) => l.textContent.trim());
        const byId = (el.getAttribute('aria-labelledby') ?? '')
          .split(/\s+/)
          .some((id) => id && document.getElementById(id)?.textContent.trim());
        return !labelled && !byId;
      })
      .map((el) => `${el.tagName.toLowerCase()}[name=${el.name}]`),
  );
  assert.deepEqual(unlabelled, [], `${what}: inputs without a label`);
}

/**
 * Everything a finger presses is at least 44×44 CSS pixels. A radio button or checkbox is
 * pressed through its label (the whole row), so the label is what is measured.
 */
export async function assertTouchTargets(page, what) {
  const small = await page.evaluate((min) => {
    const targets = new Set();
    for (const el of document.querySelectorAll('a[href], button, summary, input, textarea, select')) {
      if (el.type === 'hidden') continue;
      const target = ['radio', 'checkbox'].includes(el.type) ? el.closest('label') ?? el : el;
      targets.add(target);
    }
    return [...targets]
      .filter((el) => el.getClientRects().length > 0)
      .map((el) => {
        const box = el.getBoundingClientRect();
        return { el, w: Math.round(box.width), h: Math.round(box.height) };
      })
      .filter(({ w, h }) => w < min || h < min)
      .map(({ el, w, h }) => `${el.tagName.toLowerCase()} "${el.textContent.trim().slice(0, 30)}" ${w}×${h}`);
  }, MIN_TARGET);
  assert.deepEqual(small, [], `${what}: touch targets smaller than ${MIN_TARGET} px`);
}

/** The page is never wider than the phone: no sideways scrolling. */
export async function assertNoSidewaysScroll(page, what) {
  const width = await page.evaluate(() => document.scrollingElement.scrollWidth);
  // On failure, name the innermost elements that stick out, to say what to fix.
  const culprits = width <= PHONE.width ? [] : await page.evaluate((limit) =>
    [...document.querySelectorAll('body *')]
      .filter((el) => el.getBoundingClientRect().right > limit + 1)
      .filter((el) => ![...el.children].some((child) => child.getBoundingClientRect().right > limit + 1))
      .slice(0, 3)
      .map((el) => `${el.tagName.toLowerCase()}.${el.className} "${el.textContent.trim().slice(0, 30)}"`), PHONE.width);
  assert.ok(width <= PHONE.width, `${what}: the page is ${width} px wide on a ${PHONE.width} px phone (${culprits.join('; ')})`);
}

/** With every text at 200%, the page still fits the phone's width (WCAG 1.4.4 and 1.4.10). */
export async function assertTextCanDouble(page, what) {
  const before = await page.evaluate(() => getComputedStyle(document.body).fontSize);
  await page.evaluate(() => {
    const root = document.documentElement;
    root.style.fontSize = `${2 * parseFloat(getComputedStyle(root).fontSize)}px`;
  });
  const after = await page.evaluate(() => getComputedStyle(document.body).fontSize);
  assert.ok(parseFloat(after) >= 1.9 * parseFloat(before), `${what}: text grew from ${before} to ${after}`);
  await assertNoSidewaysScroll(page, `${what} at 200% text`);
  await page.evaluate(() => {
    document.documentElement.style.fontSize = '';
  });
}

/**
 * No word of the text in `selector` is split across two lines ("Point|s"): a reader of a narrow
 * table should meet whole words (a break after a hyphen is a line break, not a split). A word's
 * range drawn on more than one line is split.
 */
export async function assertNoWordSplit(page, selector, what) {
  const split = await page.evaluate((selector) => {
    const found = [];
    for (const el of document.querySelectorAll(selector)) {
      const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
      for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        for (const match of node.data.matchAll(/[A-Za-z0-9][A-Za-z0-9'’.,%]*/g)) {
          const range = document.createRange();
          range.setStart(node, match.index);
          range.setEnd(node, match.index + match[0].length);
          const lines = new Set([...range.getClientRects()].map((r) => Math.round(r.top)));
          if (lines.size > 1) found.push(match[0]);
        }
      }
    }
    return found;
  }, selector);
  assert.deepEqual(split, [], `${what}: words split across lines`);
}

/** Each element matched (a verdict such as 尚难判定) on one line: words in Chinese have no
 * spaces, so a narrow column may otherwise cut one between any two characters. */
export async function assertOneLine(page, selector, what) {
  const cut = await page.evaluate((selector) => {
    const found = [];
    for (const el of document.querySelectorAll(selector)) {
      const range = document.createRange();
      range.selectNodeContents(el);
      const lines = new Set([...range.getClientRects()].map((r) => Math.round(r.top)));
      if (lines.size > 1) found.push(el.textContent);
    }
    return found;
  }, selector);
  assert.deepEqual(cut, [], `${what}: cut across lines`);
}

/** All of the above, for one page as it is now. */
export async function assertAccessible(page, what) {
  await assertEveryInputLabelled(page, what);
  await assertTouchTargets(page, what);
  await assertNoSidewaysScroll(page, what);
  await assertTextCanDouble(page, what);
  await assertAxeClean(page, what);
}
