DROP TABLE stratum_quotas;
