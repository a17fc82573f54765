-- AlterTable
ALTER TABLE "Team" ADD COLUMN "embeds" JSONB;
