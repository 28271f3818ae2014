// The resident's phone, end to end: the example survey in headless Chromium at 360×780
// (scale 2), the conditional question, one mistake and its correction, the thanks page, large
// text, the same path with JavaScript switched off, accessibility checks on every page, and the
// published results page once it exists. Screenshots go to $MINYI_SCREENSHOTS when it is set.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';

import { startMinyi } from './lib/server.mjs';
import { launchChromium, phone } from './lib/phone.mjs';
import { assertAccessible, assertNoSidewaysScroll, assertNoWordSplit, assertOneLine } from './lib/checks.mjs';
import {
  SURVEY,
  answerEverythingWithOneMistake,
  assertAnswersKept,
  question,
  submit,
  tap,
} from './lib/resident.mjs';

let minyi;
let browser;

before(async () => {
  minyi = await startMinyi();
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await minyi?.stop();
});

async function screenshot(page, name) {
  const dir = process.env.MINYI_SCREENSHOTS;
  if (dir) await page.screenshot({ path: join(dir, `${name}.png`) });
}

test('the "how did you hear" question is hidden until the resident says they know of the campaign', async () => {
  const context = await phone(browser);
  const page = await context.newPage();
  await page.goto(`${minyi.url}/s/${SURVEY}`);
  const heardFrom = question(page, 11);
  assert.match(await heardFrom.locator('legend').innerText(), /途径/, 'question 11 is the "how did you hear" question');

  assert.equal(await heardFrom.isVisible(), false, 'hidden on a fresh form');
  await tap(page, 10, '否');
  assert.equal(await heardFrom.isVisible(), false, 'hidden for those not aware');
  await tap(page, 10, '是');
  assert.equal(await heardFrom.isVisible(), true, 'shown once the resident is aware');
  await tap(page, 10, '否');
  assert.equal(await heardFrom.isVisible(), false, 'hidden again when the answer changes');
  await tap(page, 10, '是');
  await tap(page, 11, '其他途径');
  assert.equal(await question(page, 12).isVisible(), true, '"which other way?" follows "other"');
  await tap(page, 10, '否');
  assert.equal(await question(page, 12).isVisible(), false, 'and hides with question 11, though "other" is still ticked');
  await context.close();
});

test('a resident answers everything, fixes the one mistake shown next to its question, and is thanked', async () => {
  const context = await phone(browser);
  const page = await context.newPage();
  const response = await page.goto(`${minyi.url}/s/${SURVEY}`);
  assert.equal(response.status(), 200);
  await assertNoSidewaysScroll(page, 'fresh survey');
  await screenshot(page, 'survey');
  await assertAccessible(page, 'fresh survey');

  await answerEverythingWithOneMistake(page);
  await submit(page);

  assert.match(page.url(), new RegExp(`/s/${SURVEY}$`), 'still on the survey, not thanked');
  const problem = question(page, 15).locator('.problem');
  assert.equal(await problem.innerText(), '！最多只能选 3 项。', 'the problem is stated inside question 15');
  const legend = await question(page, 15).locator('legend').boundingBox();
  const problemBox = await problem.boundingBox();
  assert.ok(problemBox.y - (legend.y + legend.height) < 120, 'the problem is right under the question text');
  assert.equal(await page.locator('.problem').count(), 1, 'only question 15 has a problem');
  const summaryLink = page.getByRole('alert').getByRole('link');
  assert.equal(await summaryLink.getAttribute('href'), '#q15', 'the summary at the top links to question 15');
  await assertAnswersKept(page);
  await screenshot(page, 'error-summary');
  await page.evaluate(() => document.getElementById('q15').scrollIntoView({ block: 'start' }));
  await screenshot(page, 'error');
  await assertAccessible(page, 'survey with a problem');

  await question(page, 15).getByLabel('餐饮卫生', { exact: true }).uncheck();
  await submit(page);

  assert.match(page.url(), new RegExp(`/s/${SURVEY}/thanks$`), 'the thanks page follows a good submission');
  assert.equal(await page.getByRole('heading', { level: 1 }).innerText(), '提交成功，谢谢您！');
  await screenshot(page, 'thanks');
  await assertAccessible(page, 'thanks page');
  await context.close();
});

// A phone with every question answered well, whose posts take three seconds to reach the
// server, as on a weak signal; `sent.posts` counts them.
async function answeredOnASlowNetwork() {
  const context = await phone(browser);
  const page = await context.newPage();
  await page.goto(`${minyi.url}/s/${SURVEY}`);
  await answerEverythingWithOneMistake(page);
  await question(page, 15).getByLabel('假冒伪劣食品', { exact: true }).uncheck();
  const sent = { posts: 0 };
  await page.route(`**/s/${SURVEY}`, async (route) => {
    if (route.request().method() !== 'POST') return route.continue();
    sent.posts += 1;
    await new Promise((resolve) => setTimeout(resolve, 3000));
    await route.continue();
  });
  return { context, page, sent };
}

test('on a slow network the button says the answers are on their way, and a second tap sends nothing', async () => {
  const { context, page, sent } = await answeredOnASlowNetwork();
  const button = page.locator('#send');
  const thanks = page.waitForURL(new RegExp(`/s/${SURVEY}/thanks$`));
  // A second tap half a second after the first, while the answers are still on their way
  // (set in the page: the test tool would wait for the first to finish).
  await page.evaluate(() => setTimeout(() => document.getElementById('send').click(), 500));
  await button.click({ noWaitAfter: true });
  // Both read at once: on a loaded machine the click can return late, near the answer.
  const [label, said] = await page.evaluate(() => [document.getElementById('send').innerText, document.getElementById('send-status').textContent]);
  assert.equal(label, '正在提交，请稍候…', 'the resident sees the answers are going');
  assert.equal(said, '正在提交，请稍候…', 'and a screen reader is told (role=status)');
  await thanks;
  assert.equal(sent.posts, 1, 'the second tap sent nothing');
  await context.close();
});

test('Enter sends the form as Submit does, once however often it is pressed', async () => {
  const { context, page, sent } = await answeredOnASlowNetwork();
  const thanks = page.waitForURL(new RegExp(`/s/${SURVEY}/thanks$`));
  // Enter in a form sends it through its default button (the hidden one first in the page,
  // not #send): twice, half a second apart, while the answers are going. Done in the page, as
  // the test tool's key press waits for the navigation it starts.
  const label = await page.evaluate(() => {
    const byDefault = document.querySelector('.bar button.hp');
    byDefault.form.requestSubmit(byDefault);
    setTimeout(() => byDefault.form.requestSubmit(byDefault), 500);
    return document.getElementById('send').innerText;
  });
  assert.equal(label, '正在提交，请稍候…', 'the button says the answers are going');
  await thanks;
  assert.equal(sent.posts, 1, 'the second Enter sent nothing');
  await context.close();
});

test('at double text size an answer keeps most of the phone\'s width for its words', async () => {
  // Paddings, gaps and the radio button that grew with the text once left a grid's answers
  // 128 of 360 px at 200%: "非常满/意" on two lines, 45 screens of form.
  const context = await phone(browser);
  const page = await context.newPage();
  await page.goto(`${minyi.url}/s/${SURVEY}`);
  await page.evaluate(() => {
    const root = document.documentElement;
    root.style.fontSize = `${2 * parseFloat(getComputedStyle(root).fontSize)}px`;
  });
  const { narrowest, viewport } = await page.evaluate(() => ({
    narrowest: Math.min(...[...document.querySelectorAll('.opt span')].map((s) => s.getBoundingClientRect().width).filter((w) => w > 0)),
    viewport: document.documentElement.clientWidth,
  }));
  assert.ok(narrowest >= 0.6 * viewport, `the narrowest answer has ${narrowest} of ${viewport} px`);
  await context.close();
});

test('large text is one tap away, keeps what was answered, and is remembered by a cookie that says only "large"', async () => {
  const context = await phone(browser);
  const page = await context.newPage();
  await page.goto(`${minyi.url}/s/${SURVEY}`);
  const normalSize = await page.evaluate(() => parseFloat(getComputedStyle(document.body).fontSize));
  // Half-way through the form the resident finds the text too small.
  await answerEverythingWithOneMistake(page);

  await page.getByRole('button', { name: '大字' }).click();
  await page.waitForLoadState('load');

  await assertAnswersKept(page);
  assert.equal(await page.locator('.alert').count(), 0, 'no complaint: the answers were not sent in yet');
  const largeSize = await page.evaluate(() => parseFloat(getComputedStyle(document.body).fontSize));
  assert.ok(largeSize >= 1.2 * normalSize, `text grew from ${normalSize}px to ${largeSize}px`);
  // The survey's duplicate-control cookie (minyi_client, kept only as a keyed hash; see
  // docs/privacy.md) is not about text size; the text-size choice is one cookie saying "large".
  const cookies = (await context.cookies()).filter((c) => c.name !== 'minyi_client');
  assert.deepEqual(
    cookies.map((c) => [c.name, c.value]),
    [['text', 'large']],
    'one cookie, the same for everyone who chose large text',
  );
  await page.goto(`${minyi.url}/s/${SURVEY}`);
  assert.ok(await page.locator('html.large').count(), 'the choice is remembered on the next visit');
  await screenshot(page, 'large-text');
  await assertAccessible(page, 'survey in large text');

  await page.getByRole('button', { name: '标准字号' }).click();
  await page.waitForLoadState('load');
  assert.equal(await page.locator('html.large').count(), 0, 'normal text again');
  assert.deepEqual((await context.cookies()).filter((c) => c.name === 'text'), [], 'and the text-size cookie is gone');
  await context.close();
});

test('everything works with JavaScript switched off', async () => {
  const context = await phone(browser, { javaScript: false });
  const page = await context.newPage();
  await page.goto(`${minyi.url}/s/${SURVEY}`);
  assert.equal(await page.locator('script').count(), 1, 'one script, which only keeps unsent answers on the phone');
  assert.equal(await page.locator('#draft-kept').isVisible(), false, 'without it, the page promises no such thing');
  assert.equal(await question(page, 11).isVisible(), false, 'the conditional question starts hidden');

  await answerEverythingWithOneMistake(page);
  await submit(page);
  assert.equal(await question(page, 15).locator('.problem').count(), 1, 'the mistake is caught by the server');
  await assertAnswersKept(page);
  await question(page, 15).getByLabel('餐饮卫生', { exact: true }).uncheck();
  await submit(page);
  assert.match(page.url(), /\/thanks$/, 'thanked without JavaScript');

  await page.goto(`${minyi.url}/s/${SURVEY}`);
  await answerEverythingWithOneMistake(page);
  await page.getByRole('button', { name: 'English' }).click();
  await page.waitForLoadState('load');
  assert.equal(await page.locator('html[lang=en]').count(), 1, 'the form in English without JavaScript');
  await page.getByRole('button', { name: '中文' }).click();
  await page.waitForLoadState('load');
  await assertAnswersKept(page);
  await page.getByRole('button', { name: '大字' }).click();
  await page.waitForLoadState('load');
  assert.equal(await page.locator('html.large').count(), 1, 'large text without JavaScript');
  await assertAnswersKept(page);
  await context.close();
});

test('the published results page: figures, intervals and the method, accessible on a phone', async () => {
  // The publisher's steps, as the README gives them; this runs last, since a closed survey
  // takes no more answers. Simulated fieldwork fills every county so the survey can be weighted.
  minyi.cli('simulate', SURVEY, '--responses', '1400', '--seed', '7');
  minyi.cli('survey', 'close', SURVEY);
  minyi.cli('survey', 'publish', SURVEY, '--simulated', '1400');
  const context = await phone(browser);
  const page = await context.newPage();
  const response = await page.goto(`${minyi.url}/results/${SURVEY}`);
  assert.equal(response.status(), 200, 'a published survey has a public results page');
  assert.equal(await page.locator('svg[role=img]').count() > 0, true, 'charts are drawn without JavaScript');
  assert.equal(await page.getByRole('alert').count() > 0, true, 'the simulated-data warning is shown');
  await screenshot(page, 'results');
  await assertAccessible(page, 'results page');
  assert.equal(await page.locator('.st').count() > 0, true, 'verdicts are shown');
  await assertOneLine(page, '.st', 'verdicts on the results page');
  // English words are long for a phone's table: whole words (at 200% text a table scrolls in
  // its own frame, as WCAG's reflow allows a data table to, rather than split them).
  await page.goto(`${minyi.url}/results/${SURVEY}?lang=en`);
  assert.equal(await page.locator('html[lang=en]').count(), 1, 'the results page in English');
  await assertAccessible(page, 'results page in English');
  await assertNoWordSplit(page, 'th, td', 'results page in English');
  // In Chinese with large text (大字) the county tables are wider than a phone: they scroll in
  // their frames, and a figure ("45.0 / 100", "77.7 分") is never split across lines.
  await page.goto(`${minyi.url}/results/${SURVEY}?lang=zh&text=large`);
  assert.equal(await page.locator('html.large[lang=zh-CN]').count(), 1, 'the results page in Chinese, large text');
  await assertNoWordSplit(page, 'th, td', 'results page in Chinese, large text');
  await assertNoSidewaysScroll(page, 'results page in Chinese, large text');
  await context.close();
});

test('the sign-in page for publishers is accessible on a phone', async () => {
  const context = await phone(browser);
  const page = await context.newPage();
  const response = await page.goto(`${minyi.url}/login`);
  assert.equal(response.status(), 200);
  await assertAccessible(page, 'sign-in page');
  await context.close();
});
