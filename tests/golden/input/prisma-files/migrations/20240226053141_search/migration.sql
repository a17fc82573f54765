-- CreateIndex
CREATE INDEX "Team_name_idx" ON "Team"("name");
