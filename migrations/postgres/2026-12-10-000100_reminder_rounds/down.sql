DROP TABLE reminder_rounds;
