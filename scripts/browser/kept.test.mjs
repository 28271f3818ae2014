// A submission that does not get through loses nothing: when the server refuses it for now (the
// network's allowance is used up) the form comes back with every answer and says why, and when
// a gateway in between fails, the browser's Back button finds the answers where they were.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';

import { startMinyi } from './lib/server.mjs';
import { launchChromium, phone } from './lib/phone.mjs';
import { assertAccessible } from './lib/checks.mjs';
import { SURVEY, answerEverythingWithOneMistake, assertAnswersKept, question, submit } from './lib/resident.mjs';

let minyi;
let browser;

before(async () => {
  // One submission a minute from a network: the second press of Submit is over the allowance.
  minyi = await startMinyi({ MINYI_RATE_LIMIT: '1' });
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await minyi?.stop();
});

/** Presses Submit and returns the status of the answer to the post. */
async function submitForStatus(page) {
  const [answer] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === 'POST'),
    submit(page),
  ]);
  return answer.status();
}

test('over the network allowance, the form comes back with every answer and says to wait', async () => {
  const context = await phone(browser);
  const page = await context.newPage();
  await page.goto(`${minyi.url}/s/${SURVEY}`);
  await answerEverythingWithOneMistake(page);
  assert.equal(await submitForStatus(page), 422, 'the mistake is caught (and the press counts)');
  await question(page, 15).getByLabel('假冒伪劣食品', { exact: true }).uncheck();

  assert.equal(await submitForStatus(page), 429, 'the second press is over the allowance');

  const notice = page.getByRole('alert');
  assert.match(await notice.innerText(), /提交太频繁.*回答都保留在下面/s, 'the page says why, and that nothing is lost');
  await assertAnswersKept(page);
  await assertAccessible(page, 'survey refused for now');
  await context.close();
});

test('when a gateway fails the post, Back shows the form with every answer', async () => {
  const context = await phone(browser);
  const page = await context.newPage();
  await page.goto(`${minyi.url}/s/${SURVEY}`);
  await answerEverythingWithOneMistake(page);
  // A proxy between the phone and Minyi answers the post itself, as one does when it times out.
  await page.route(`**/s/${SURVEY}`, (route) =>
    route.request().method() === 'POST'
      ? route.fulfill({ status: 504, contentType: 'text/html', body: '<h1>504 Gateway Time-out</h1>' })
      : route.continue(),
  );
  await submit(page);
  assert.match(await page.locator('h1').innerText(), /504/);
  await page.unroute(`**/s/${SURVEY}`);

  await page.goBack();
  await page.waitForLoadState('load');

  await assertAnswersKept(page);
  await context.close();
});
