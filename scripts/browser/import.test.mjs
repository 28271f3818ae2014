// A publisher imports a survey file from a phone's browser, on pages without a script: a file
// with a mistake comes back with the mistake named, the corrected file gets the page saying what
// the import will do, and the import lands on the new survey's dashboard. The file arrives byte
// for byte (Windows line ends included) in the server's surveys folder. Every page passes the
// accessibility checks.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { REPO, startMinyi } from './lib/server.mjs';
import { launchChromium, phone } from './lib/phone.mjs';
import { assertAccessible } from './lib/checks.mjs';
import { SURVEY } from './lib/resident.mjs';

const EMAIL = 'publisher@example.org';

let minyi;
let browser;
let password;
let work;

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'minyi-import-'));
  const folder = join(work, 'surveys');
  mkdirSync(folder);
  copyFileSync(join(REPO, 'surveys', `${SURVEY}.toml`), join(folder, `${SURVEY}.toml`));
  minyi = await startMinyi({ MINYI_SURVEYS_DIR: folder });
  browser = await launchChromium();
  const added = minyi.cli('user', 'add', '--email', EMAIL, '--role', 'publisher');
  password = added.match(/password \(shown once[^)]*\): (\S+)/)[1];
});

after(async () => {
  await browser?.close();
  await minyi?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

async function screenshot(page, name) {
  const dir = process.env.MINYI_SCREENSHOTS;
  if (dir) await page.screenshot({ path: join(dir, `${name}.png`), fullPage: true });
}

/** A new survey made from the example, saved as a Windows editor would (CRLF line ends). */
function transportSurvey() {
  return readFileSync(join(REPO, 'surveys', `${SURVEY}.toml`), 'utf8')
    .replaceAll(SURVEY, 'transport-2026')
    .replaceAll('嘉兴市食品安全公众满意度调查（2016年）', '嘉兴市公共交通满意度调查')
    .replace('open_on_import = true', 'open_on_import = false')
    .replaceAll('\n', '\r\n');
}

test('importing a survey file from a phone', async () => {
  const context = await phone(browser);
  const page = await context.newPage();
  await page.goto(`${minyi.url}/login?next=${encodeURIComponent('/admin/surveys')}`);
  await page.getByLabel('电子邮箱').fill(EMAIL);
  await page.getByLabel('密码').fill(password);
  await page.getByRole('button', { name: '登录' }).click();
  await page.waitForLoadState('load');

  await page.getByRole('link', { name: '导入调查文件' }).click();
  await page.waitForLoadState('load');
  assert.equal(await page.locator('script').count(), 0, 'no script');
  await assertAccessible(page, 'import page');

  // A file far too large to be a survey file: said on the page, not a broken connection.
  const photo = join(work, 'photo.toml');
  writeFileSync(photo, Buffer.alloc(1200 * 1024, 0x23));
  await page.getByLabel(/调查文件（\.toml/).setInputFiles(photo);
  await page.getByRole('button', { name: '检查文件' }).click();
  await page.waitForLoadState('load');
  assert.match(await page.getByRole('alert').innerText(), /这个文件超过 1024 KiB/);

  // A mistake next: the questions written as one table instead of a list of them.
  const broken = join(work, 'transport-2026.toml');
  writeFileSync(broken, transportSurvey().replace('[[questions]]', '[questions]'));
  await page.getByLabel(/调查文件（\.toml/).setInputFiles(broken);
  await page.getByRole('button', { name: '检查文件' }).click();
  await page.waitForLoadState('load');
  const problem = await page.getByRole('alert').innerText();
  assert.match(problem, /transport-2026\.toml 没有导入/);
  assert.match(problem, /第 \d+ 行/, 'the line is named');
  assert.match(problem, /\[\[questions\]\]/, 'and what was expected');
  await screenshot(page, 'import-problem');
  await assertAccessible(page, 'import page with a problem');

  const file = join(work, 'transport-2026.toml');
  writeFileSync(file, transportSurvey());
  await page.getByLabel(/调查文件（\.toml/).setInputFiles(file);
  await page.getByRole('button', { name: '检查文件' }).click();
  await page.waitForLoadState('load');
  assert.equal(await page.getByRole('heading', { level: 1 }).innerText(), '检查结果：transport-2026.toml');
  assert.match(await page.locator('section').first().innerText(), /嘉兴市公共交通满意度调查/);
  assert.match(await page.locator('#plan').innerText(), /这是一份新调查/);
  assert.match(await page.locator('#folder').innerText(), /transport-2026\.toml（新文件）/);
  assert.equal(await page.locator('script').count(), 0, 'no script');
  await screenshot(page, 'import-check');
  await assertAccessible(page, 'import check page');

  await page.getByRole('button', { name: '导入' }).click();
  await page.waitForLoadState('load');
  assert.match(page.url(), /\/admin\/surveys\/transport-2026\?done=imported$/, 'on the new survey’s dashboard');
  assert.match(await page.getByRole('status').innerText(), /调查文件已导入/);
  assert.deepEqual(
    readFileSync(join(work, 'surveys', 'transport-2026.toml')),
    readFileSync(file),
    'the surveys folder has the file byte for byte',
  );
  await context.close();
});
