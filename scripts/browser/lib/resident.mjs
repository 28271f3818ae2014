// A resident answering the example survey, as a person would: by tapping the labels they read.
import assert from 'node:assert/strict';

export const SURVEY = 'jiaxing-food-safety-2016';

/** The question by its number on the page (`#q1` … `#q22`). */
export const question = (page, number) => page.locator(`#q${number}`);

/** Taps the option whose label reads `label` in question `number` (or in one matrix row). */
export async function tap(page, number, label, row) {
  let scope = question(page, number);
  if (row !== undefined) scope = scope.locator('fieldset.item').nth(row);
  await scope.getByLabel(label, { exact: true }).check();
}

/**
 * Answers every question of the example survey the way one resident might, aware of the
 * campaign (so the conditional question 11 is asked) and having heard of it another way too (so
 * question 12, which asks which, appears and is filled in), and ticking FOUR worries in question
 * 15, where at most three are allowed: the one mistake the server must catch.
 */
export async function answerEverythingWithOneMistake(page) {
  await tap(page, 1, '南湖区');
  await tap(page, 2, '女');
  await tap(page, 3, '60岁及以上');
  await tap(page, 4, '比较满意');
  await tap(page, 5, '一般');
  const ratings = ['非常满意', '比较满意', '一般', '不太满意', '很不满意', '不了解', '比较满意'];
  for (let row = 0; row < 7; row++) await tap(page, 6, ratings[row], row);
  for (let row = 0; row < 6; row++) await tap(page, 7, ratings[(row + 2) % ratings.length], row);
  await tap(page, 8, '比较有信心');
  await tap(page, 9, '有所变好');
  await tap(page, 10, '是');
  await tap(page, 11, '电视、广播');
  await tap(page, 11, '亲戚朋友');
  assert.equal(await question(page, 12).isVisible(), false, 'no box for "other" before it is ticked');
  await tap(page, 11, '其他途径');
  await question(page, 12).locator('textarea').fill('居委会的微信群');
  await tap(page, 13, '支持');
  await tap(page, 14, '否');
  for (const worry of ['农药、兽药残留', '过期、变质食品', '假冒伪劣食品', '餐饮卫生']) {
    await tap(page, 15, worry);
  }
  await tap(page, 17, '对');
  await tap(page, 18, '错');
  await tap(page, 19, '对');
  await tap(page, 20, '错');
  await tap(page, 21, '不知道');
  await question(page, 22).locator('textarea').fill('希望多检查农贸市场。');
}

/** The answers given above are still selected (after the server sent the form back). */
export async function assertAnswersKept(page) {
  const checked = async (number, label, row) => {
    let scope = question(page, number);
    if (row !== undefined) scope = scope.locator('fieldset.item').nth(row);
    return scope.getByLabel(label, { exact: true }).isChecked();
  };
  const kept = {
    'q1 南湖区': await checked(1, '南湖区'),
    'q3 60岁及以上': await checked(3, '60岁及以上'),
    'q6 row 1 非常满意': await checked(6, '非常满意', 0),
    'q7 row 1 一般': await checked(7, '一般', 0),
    'q10 是': await checked(10, '是'),
    'q11 亲戚朋友': await checked(11, '亲戚朋友'),
    'q15 餐饮卫生': await checked(15, '餐饮卫生'),
    'q21 不知道': await checked(21, '不知道'),
  };
  const missing = Object.entries(kept).filter(([, on]) => !on).map(([what]) => what);
  assert.deepEqual(missing, [], 'answers lost when the form came back');
  assert.equal(await question(page, 12).locator('textarea').inputValue(), '居委会的微信群', 'q12 "other" text kept');
  assert.equal(await question(page, 22).locator('textarea').inputValue(), '希望多检查农贸市场。', 'q22 text kept');
}

export async function submit(page) {
  await page.getByRole('button', { name: '提交问卷' }).click();
  await page.waitForLoadState('load');
}
